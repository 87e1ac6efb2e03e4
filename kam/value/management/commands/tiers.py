"""`kam tiers`: named tier configurations, what-if previews and manual overrides."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.core.management.base import KamCommand
from kam.value import portfolio, services
from kam.value.analytics.periods import Period
from kam.value.analytics.tiers import TIERS
from kam.value.choices import Tier
from kam.value.config import PolicyError, policy_from_dict, policy_to_dict
from kam.value.models import TierConfig


def _settings(pairs: list[str], base: dict) -> dict:
    """`section.key=value` pairs laid over `base`; values are read as JSON when they parse."""
    merged = json.loads(json.dumps(base))
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        section, dot, name = key.partition(".")
        if not (sep and dot):
            raise CommandError(_("--set takes section.key=value, e.g. tiers.gold_share=0.1"))
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        merged.setdefault(section, {})[name] = value
    return merged


def _config(name: str) -> TierConfig:
    config = TierConfig.objects.filter(name=name).first()
    if config is None:
        raise CommandError(_("No tier configuration named %(name)s.") % {"name": name})
    return config


class Command(KamCommand):
    help = gettext_lazy(
        "Tier configurations: list, save, activate, what-if; set or clear a tier by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lang", choices=["zh-hans", "en"], help=_("language of the help and the output")
        )
        actions = parser.add_subparsers(
            dest="action",
            required=True,
            title=_("actions"),
            help=_("kam tiers ACTION --help explains an action's options"),
        )
        setting = _("change one setting, e.g. tiers.diamond_share=0.05 (repeat for several)")
        actions.add_parser("list", help=_("list the saved tier configurations"))
        save = actions.add_parser("save", help=_("save a tier configuration"))
        save.add_argument("name", help=_("the configuration's name"))
        save.add_argument("--base", help=_("start from this saved configuration"))
        save.add_argument(
            "--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help=setting
        )
        save.add_argument(
            "--activate", action="store_true", help=_("make it the active configuration")
        )
        access.add_as_argument(save)
        activate = actions.add_parser(
            "activate", help=_("make a saved configuration the active one")
        )
        activate.add_argument("name", help=_("the configuration's name"))
        access.add_as_argument(activate)
        whatif = actions.add_parser(
            "whatif", help=_("show how the tiers would change, without saving anything")
        )
        whatif.add_argument("--config", help=_("a saved configuration to try"))
        whatif.add_argument(
            "--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help=setting
        )
        whatif.add_argument(
            "--year", type=int, help=_("the year to try it on (default: last year)")
        )
        override = actions.add_parser("override", help=_("set an account's tier by hand"))
        override.add_argument("code", help=_("the account's code"))
        override.add_argument("tier", choices=TIERS, help=_("the tier to set"))
        override.add_argument("--reason", required=True, help=_("why; history keeps it"))
        access.add_as_argument(override)
        clear = actions.add_parser(
            "clear", help=_("let the computed tier apply again to an account set by hand")
        )
        clear.add_argument("code", help=_("the account's code"))
        clear.add_argument("--reason", required=True, help=_("why; history keeps it"))
        access.add_as_argument(clear)

    def handle(self, *args, **options):
        with translation.override(options["lang"] or translation.get_language()):
            try:
                getattr(self, f"_{options['action']}")(options)
            except (PolicyError, ValidationError) as error:
                raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from None

    def _list(self, options) -> None:
        for config in TierConfig.objects.all():
            mark = "*" if config.is_active else " "
            self.stdout.write(
                f"{mark} {config.name}: {json.dumps(config.policy, ensure_ascii=False)}"
            )

    def _save(self, options) -> None:
        base = _config(options["base"]).policy if options["base"] else {}
        policy = policy_from_dict(_settings(options["set"], base))
        config = services.save_tier_config(
            options["name"], policy, activate=options["activate"], by=self._user(options)
        )
        self.stdout.write(
            _("Saved %(name)s: %(settings)s")
            % {
                "name": config.name,
                "settings": json.dumps(policy_to_dict(policy), ensure_ascii=False),
            }
        )

    def _activate(self, options) -> None:
        services.activate_tier_config(_config(options["name"]), by=self._user(options))
        self.stdout.write(
            _("%(name)s is now the active configuration.") % {"name": options["name"]}
        )

    def _whatif(self, options) -> None:
        base = (
            _config(options["config"]).policy
            if options["config"]
            else policy_to_dict(portfolio.active_policy())
        )
        policy = policy_from_dict(_settings(options["set"], base))
        period = Period.year(options["year"] or timezone.localdate().year - 1)
        change = portfolio.preview(portfolio.run_analysis(period), policy)
        counts = change.counts()
        self.stdout.write(_("Tier: accounts now → with the new settings"))
        for tier in TIERS:
            before, after = counts[tier]
            self.stdout.write(f"  {Tier(tier).label:<10} {before:>7} → {after:<7}")
        self.stdout.write(
            _("%(count)s accounts would change tier:") % {"count": change.moves.height}
        )
        for row in change.transitions.iter_rows(named=True):
            if row["from_tier"] != row["to_tier"]:
                before, after = Tier(row["from_tier"]).label, Tier(row["to_tier"]).label
                self.stdout.write(f"  {before} → {after}: {row['accounts']}")

    def _account(self, code: str) -> Account:
        account = Account.objects.alive().filter(code=code).first()
        if account is None:
            raise CommandError(_("No account with customer code %(code)s.") % {"code": code})
        return account

    def _user(self, options, account: Account | None = None):
        """Who does this (--as): history names them; they need the right to steer tiers."""
        return access.cli_user(options["as_user"], Action.STEER_VALUE, account)

    def _override(self, options) -> None:
        account = self._account(options["code"])
        state = services.override_tier(
            account, options["tier"], reason=options["reason"], by=self._user(options, account)
        )
        self.stdout.write(
            _("%(account)s is now %(tier)s (set by hand).")
            % {"account": state.account, "tier": state.tier}
        )

    def _clear(self, options) -> None:
        account = self._account(options["code"])
        services.clear_override(account, reason=options["reason"], by=self._user(options, account))
        self.stdout.write(_("The tier of %(code)s is computed again.") % {"code": options["code"]})
