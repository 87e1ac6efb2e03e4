"""What each member of the test cast (kam/conftest.py) may do: the one table the access
tests and the permission matrix read their expectations from. It is written out by hand
from the user guide's role table, not computed by the code under test."""

from kam.accounts.access import Action

V, E, P, T, M = Action.VIEW, Action.EDIT, Action.SEE_PERSONAL, Action.MANAGE_TEAM, Action.MANAGE
ALL = {V, E, P, T, M}
TEAM = {V, E, P}
OWNER = {V, E, P, T}
RESTORE = {V, M}  # a soft-deleted account, for those who may bring it back

# user → account → the actions allowed; an account not named allows nothing.
EXPECTED = {
    "boss": dict.fromkeys(("east_account", "east_other", "south_account", "south_shared"), ALL)
    | {"deleted_account": RESTORE},
    "director": dict.fromkeys(("east_account", "east_other", "south_account", "south_shared"), ALL)
    | {"deleted_account": RESTORE},
    "east_manager": {
        "east_account": ALL,
        "east_other": ALL,
        "south_shared": TEAM,  # executive sponsor on another region's account
        "deleted_account": RESTORE,
    },
    "owner_kam": {"east_account": OWNER},
    "team_specialist": {"east_account": TEAM},
    "outsider_kam": {"south_account": OWNER, "south_shared": OWNER},
    "finance_user": {},
}
ACCOUNTS = ("east_account", "east_other", "south_account", "south_shared", "deleted_account")
COMPANY = {
    Action.STEER_VALUE: {"boss", "director"},
    Action.IMPORT: {"boss", "director", "finance_user"},
    Action.ADMINISTER: {"boss"},
}
