"""What a role may do company-wide, and the names of every action kam checks.

The rules about single accounts (whose team you are on, which region you manage) live in
`kam.accounts.access`, the module every entry point asks; this module holds the part that
depends on the user alone, so the admin of users (below accounts) can ask it too.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .choices import PORTFOLIO_ROLES, Role


class Action(StrEnum):
    """Everything kam lets somebody do; each entry point asks for one of these."""

    VIEW = "view"  # see an account, its figures, contacts and history
    EDIT = "edit"  # stages, checklists, potential inputs, contacts
    MANAGE_TEAM = "manage_team"  # add people to the account team, remove them
    MANAGE = "manage"  # owner, region, status, deleting and restoring the account
    SEE_PERSONAL = "see_personal"  # personal data on relationship cards (PIPL)
    STEER_VALUE = "steer_value"  # tier settings, overrides, stage milestones
    IMPORT = "import"  # load ERP exports
    ADMINISTER = "administer"  # users, regions, the audit trail, every admin page


# How an action reads in a message ("… may not do this: import ERP exports").
ACTION_LABELS = {
    Action.VIEW: _("see the account"),
    Action.EDIT: _("edit the account"),
    Action.MANAGE_TEAM: _("manage the account team"),
    Action.MANAGE: _("change owner, region or status, delete or restore"),
    Action.SEE_PERSONAL: _("see personal data"),
    Action.STEER_VALUE: _("steer tier settings"),
    Action.IMPORT: _("import ERP exports"),
    Action.ADMINISTER: _("administer kam"),
}

ACCOUNT_ACTIONS = frozenset(
    {Action.VIEW, Action.EDIT, Action.MANAGE_TEAM, Action.MANAGE, Action.SEE_PERSONAL}
)
COMPANY_ACTIONS = frozenset({Action.STEER_VALUE, Action.IMPORT, Action.ADMINISTER})


def is_active(user) -> bool:
    """Anonymous and deactivated users may do nothing at all."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def steers_portfolio(user) -> bool:
    """Executives, the key account director and administrators: the whole portfolio."""
    return is_active(user) and (user.is_superuser or user.role in PORTFOLIO_ROLES)


def may_company(user, action: Action) -> bool:
    """A company-wide action: not about one account."""
    if action == Action.ADMINISTER:
        return is_active(user) and user.is_superuser
    if action == Action.STEER_VALUE:
        return steers_portfolio(user)
    if action == Action.IMPORT:
        return steers_portfolio(user) or (is_active(user) and user.role == Role.FINANCE)
    raise ValueError(f"{action} is an action on an account, not a company-wide one")
