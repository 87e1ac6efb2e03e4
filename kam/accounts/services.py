"""Writes to accounts. Views, the API, the CLI, the demo and the importer all call these."""

from django.db import transaction

from kam.core.history import record_change

from .choices import TeamRole
from .models import Account, AccountTeamMember, Region


def get_or_create_region(name: str) -> Region:
    region, _created = Region.objects.get_or_create(name=name.strip())
    return region


def create_account(*, name: str, by=None, **fields) -> Account:
    account = Account(name=name.strip(), **fields)
    account.full_clean()
    account.save()
    if account.owner_id:
        add_team_member(account, account.owner, TeamRole.KAM)
    return account


@transaction.atomic
def change_owner(account: Account, new_owner, *, by=None, reason: str = "") -> Account:
    """Hand an account to another KAM.

    The new owner joins the team as KAM and the old one leaves that role (other roles
    stay), so the hand-over also hands over visibility; history keeps who had it.
    """
    old_owner = account.owner
    record_change(
        account, "owner", account.owner_id, getattr(new_owner, "pk", None), by=by, reason=reason
    )
    account.owner = new_owner
    account.save(update_fields=["owner", "updated_at"])
    if old_owner is not None and old_owner != new_owner:
        remove_team_member(account, old_owner, TeamRole.KAM, by=by)
    if new_owner is not None:
        add_team_member(account, new_owner, TeamRole.KAM)
    return account


@transaction.atomic
def change_status(account: Account, status: str, *, by=None, reason: str = "") -> Account:
    record_change(account, "status", account.status, status, by=by, reason=reason)
    account.status = status
    account.full_clean()
    account.save(update_fields=["status", "updated_at"])
    return account


@transaction.atomic
def change_sales_stage(account: Account, stage: str, *, by=None, reason: str = "") -> Account:
    """Move the account to another of the four sales stages (M2); history keeps the move."""
    return _change_choice(account, "sales_stage", stage, by=by, reason=reason)


@transaction.atomic
def change_relationship_stage(
    account: Account, stage: str, *, by=None, reason: str = ""
) -> Account:
    """Move the account to another of the five relationship stages (M3), with history."""
    return _change_choice(account, "relationship_stage", stage, by=by, reason=reason)


def _change_choice(account: Account, field: str, value: str, *, by, reason: str) -> Account:
    if getattr(account, field) == value:
        return account
    record_change(account, field, getattr(account, field), value, by=by, reason=reason)
    setattr(account, field, value)
    account.full_clean()
    account.save(update_fields=[field, "updated_at"])
    return account


def add_team_member(account: Account, user, role: str, department: str = "") -> AccountTeamMember:
    member, _created = AccountTeamMember.objects.get_or_create(
        account=account,
        user=user,
        role=role,
        defaults={"department": department or user.department},
    )
    return member


def remove_team_member(account: Account, user, role: str, *, by=None) -> None:
    deleted, _ = AccountTeamMember.objects.filter(account=account, user=user, role=role).delete()
    if deleted:
        record_change(account, "team", f"{user.pk}:{role}", "", by=by)


@transaction.atomic
def delete_account(account: Account, *, by=None, reason: str = "") -> None:
    """Soft delete: the account disappears from lists but keeps its lines and can be restored."""
    record_change(account, "deleted", "", "yes", by=by, reason=reason)
    account.soft_delete()


@transaction.atomic
def restore_account(account: Account, *, by=None) -> None:
    record_change(account, "deleted", "yes", "", by=by)
    account.restore()
