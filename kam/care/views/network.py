"""Reaching the customer's decision makers (METHODOLOGY M6.1, M6.2): "how do we reach X"
(ranked, explained paths and "ask for an introduction"), the boss's who's who of the key
accounts, and the network picture of one account.

Each page loads the network once for what the user may see (kam.people.network: a
constant number of queries) and runs the pure path finder (kam.people.paths) on it."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account, AccountTeamMember
from kam.people import network
from kam.people.choices import INVERSE, NOT_A_PATH, BuyingRole
from kam.people.models import Contact
from kam.people.paths import (
    CONTACT,
    MAX_INTERMEDIARIES,
    THIRD,
    USER,
    key,
    kind_name,
    strength_word,
)
from kam.value.choices import Tier

from .. import services
from ..choices import TaskOrigin
from ..tiers import shown_tiers

KEY_TIERS = (Tier.DIAMOND, Tier.GOLD, Tier.STRATEGIC)
"""The key tiers of the value pyramid (M1): everything but ordinary."""

WHO_ROLES = (BuyingRole.DECISION_MAKER, BuyingRole.COACH)
"""The key people the boss must know (M6.1): decision makers and coaches."""

SHOWN_PATHS = 10
INTRODUCTION_DAYS = 14
"""An introduction asked for is due two weeks later."""


class PathsForm(forms.Form):
    to = forms.TypedChoiceField(label=gettext_lazy("Reach"), coerce=int)
    start = forms.TypedChoiceField(
        label=gettext_lazy("From"), coerce=int, required=False, empty_value=None
    )
    max_intermediaries = forms.TypedChoiceField(
        label=gettext_lazy("At most"),
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,
        choices=[(1, gettext_lazy("one intermediary")), (2, gettext_lazy("two intermediaries"))],
    )

    def __init__(self, *args, targets, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = targets
        self.fields["start"].choices = [("", _("Our executives")), *colleagues]


def _decision_makers(user, to: int | None) -> list:
    """The decision makers of the accounts the user sees (and the asked-for contact)."""
    contacts = Contact.objects.restrict(user, Action.VIEW).alive().select_related("account")
    rows = [
        c
        for c in contacts.order_by("account__name", "name")
        if BuyingRole.DECISION_MAKER in (c.roles or []) or c.pk == to
    ]
    return [
        (
            c.pk,
            f"{c.name} · {c.title} · {c.account.name}"
            if c.title
            else f"{c.name} · {c.account.name}",
        )
        for c in rows
    ]


def _colleagues() -> list:
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
    return [(u.pk, str(u)) for u in users]


def _signature(found) -> str:
    return ",".join(str(hop.link.id) for hop in found.hops)


@login_required
def paths(request):
    """How do we reach X: pick a target, see the ranked paths explained."""
    raw_to = request.GET.get("to", "")
    to = int(raw_to) if raw_to.isdigit() else None
    form = PathsForm(
        request.GET if to is not None else None,
        targets=_decision_makers(request.user, to),
        colleagues=_colleagues(),
    )
    context = {"form": form, "target": None, "found": []}
    if to is not None:
        target = access.get_for(
            request.user, Contact.objects.alive().select_related("account"), pk=to
        )
        context["target"] = target
        if form.is_valid():
            data = form.cleaned_data
            graph = network.load(request.user)
            starts = [key(USER, data["start"])] if data["start"] else None
            found = graph.paths(
                key(CONTACT, target.pk), starts, max_intermediaries=data["max_intermediaries"]
            )
            context["found"] = [
                {"path": p, "signature": _signature(p)} for p in found[:SHOWN_PATHS]
            ]
            context["more"] = max(len(found) - SHOWN_PATHS, 0)
            context["searched"] = True
            context["max_intermediaries"] = data["max_intermediaries"]
    return render(request, "care/network/paths.html", context)


@login_required
@require_POST
def introduce(request):
    """Ask for an introduction: a task for our colleague who holds the path's first hop,
    about the target. The path is found again, so one that no longer holds is refused."""
    to, start, signature = (request.POST.get(n, "") for n in ("to", "start", "path"))
    if not (to.isdigit() and start.isdigit()):
        raise Http404
    target = access.get_for(
        request.user, Contact.objects.alive().select_related("account"), pk=int(to)
    )
    graph = network.load(request.user)
    found = graph.paths(
        key(CONTACT, target.pk), [key(USER, int(start))], max_intermediaries=MAX_INTERMEDIARIES
    )
    chosen = next((p for p in found if _signature(p) == signature), None)
    back = reverse("care:paths") + f"?to={target.pk}"
    if chosen is None:
        messages.error(request, _("This path no longer holds; here are the paths as they are now."))
        return redirect(back)
    assignee = get_user_model().objects.get(pk=chosen.start.id)
    title = _("Introduce us to %(target)s through %(first)s") % {
        "target": target.name,
        "first": chosen.hops[0].target.name,
    }
    try:
        services.create_task(
            assignee,
            title[:300],
            by=request.user,
            origin=TaskOrigin.INTRODUCTION,
            account=target.account,
            contact=target,
            notes=chosen.sentence(),
            due_on=timezone.localdate() + timedelta(days=INTRODUCTION_DAYS),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("Introduction asked: %(colleague)s has a task to introduce us to %(target)s.")
        % {"colleague": assignee, "target": target.name},
    )
    return redirect(back)


# ---------------------------------------------------------------- who's who


def _key_accounts(request) -> tuple[list[Account], str]:
    """The key-tier accounts the user sees, with the tier the pages show (kam.care.tiers).
    Returns the period's label."""
    shown, label = shown_tiers(request.user)
    tiers = {a: t for a, t in shown.items() if t in KEY_TIERS}
    rank = {tier: n for n, tier in enumerate(KEY_TIERS)}
    accounts = list(Account.objects.filter(pk__in=list(tiers), deleted_at__isnull=True))
    for account in accounts:
        account.key_tier = tiers[account.pk]
    return sorted(accounts, key=lambda a: (rank[a.key_tier], a.name)), label


def _sponsors(accounts: list[Account]) -> dict[int, list]:
    rows = AccountTeamMember.objects.filter(
        account__in=accounts, role=TeamRole.EXECUTIVE_SPONSOR
    ).select_related("user")
    sponsors: dict[int, list] = {}
    for row in rows:
        sponsors.setdefault(row.account_id, []).append(row.user)
    return sponsors


@login_required
def whos_who(request):
    """The boss's who's who (M6.1): the decision makers and coaches of every key-tier
    account, our executive sponsor for each, the warmest path, and those with none."""
    accounts, period = _key_accounts(request)
    sponsors = _sponsors(accounts)
    contacts = Contact.objects.alive().filter(account__in=accounts).order_by("account_id", "name")
    people: dict[int, list] = {}
    for contact in contacts:
        roles = [r for r in WHO_ROLES if r in (contact.roles or [])]
        if roles:
            people.setdefault(contact.account_id, []).append((contact, roles))
    graph = network.load(request.user)
    labels = dict(BuyingRole.choices)
    tiers = dict(Tier.choices)
    rows, without = [], 0
    for account in accounts:
        for contact, roles in people.get(account.pk, []):
            found = graph.paths(key(CONTACT, contact.pk))
            without += not found
            rows.append(
                {
                    "account": account,
                    "tier": tiers[account.key_tier],
                    "tier_key": account.key_tier,
                    "sponsors": sponsors.get(account.pk, []),
                    "contact": contact,
                    "roles": [labels[r] for r in roles],
                    "warmest": found[0] if found else None,
                }
            )
    bare = [a for a in accounts if a.pk not in people]
    context = {"rows": rows, "without": without, "bare": bare, "period": period}
    return render(request, "care/network/whos_who.html", context)


# ---------------------------------------------------------------- network picture

COLOURS = {USER: "#2f6fb0", CONTACT: "#3a7d44", THIRD: "#a15c00"}


def picture(graph: network.Network, account: Account) -> dict:
    """The ECharts option of an account's network: our people, its contacts, third parties
    and the connections among them (conflicts dashed red)."""
    categories = [
        {"name": _("Our people"), "itemStyle": {"color": COLOURS[USER]}},
        {"name": _("Their people"), "itemStyle": {"color": COLOURS[CONTACT]}},
        {"name": _("Third parties"), "itemStyle": {"color": COLOURS[THIRD]}},
    ]
    index = {USER: 0, CONTACT: 1, THIRD: 2}
    nodes = [
        {
            "id": name,
            "name": person.name,
            "value": person.detail,
            "category": index[person.kind],
            "symbolSize": 28 if person.kind == CONTACT else 22,
            "link": reverse("people:connections", kwargs={"kind": person.kind, "pk": person.id}),
        }
        for name, person in sorted(graph.people.items())
    ]
    links = [
        {
            "source": link.a,
            "target": link.b,
            "value": f"{kind_name(link.kind)} ({strength_word(link.strength)})",
            "symbol": ["none", "arrow" if link.kind in INVERSE else "none"],
            "lineStyle": {
                "width": link.strength,
                "type": "dashed" if link.kind in NOT_A_PATH else "solid",
                "color": "#c0392b" if link.kind in NOT_A_PATH else "#8a96a3",
            },
        }
        for link in graph.links
    ]
    return {
        "tooltip": {"formatter": "{b}: {c}"},
        "legend": [{"data": [c["name"] for c in categories], "top": 0}],
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "draggable": True,
                "label": {"show": True, "position": "right"},
                "force": {"repulsion": 220, "edgeLength": 110},
                "categories": categories,
                "data": nodes,
                "links": links,
            }
        ],
        "aria": {"enabled": True},
    }


@login_required
def account_network(request, pk: int):
    """The network picture of one account (404 when the user may not see it)."""
    account = access.get_account(request.user, pk)
    graph = network.around_account(network.load(request.user, account=account), account.pk)
    context = {
        "account": account,
        "option": picture(graph, account),
        "empty": not graph.links,
        "count": sum(p.kind == CONTACT for p in graph.people.values()),
    }
    return render(request, "care/network/account.html", context)


urlpatterns = [
    path("paths/", paths, name="paths"),
    path("paths/introduce/", introduce, name="introduce"),
    path("whos-who/", whos_who, name="whos_who"),
    path("accounts/<int:pk>/network/", account_network, name="account_network"),
]
