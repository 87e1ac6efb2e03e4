"""The coverage API: GET /api/v1/accounts/{id}/coverage/ (mounted by kam.care.api under
the "accounts" prefix, beside the accounts app's own paths).

The same rules and loader as the account page's coverage section (kam.care.coverage,
kam.care.coverage_loader): the four buying influences with their state, contacts and last
meeting, the warnings with kind and severity, the red/amber/green status, the executive
sponsor and when their next executive visit is due. Unknown is null, never 0."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from kam.accounts import access
from kam.core.rest import READ

from .coverage import Coverage
from .coverage_loader import coverage_of

router = Router(tags=["coverage"])


class InfluenceOut(Schema):
    role: str
    label: str
    state: str  # unidentified | unmet | met
    contact_ids: list[int]
    met_contact_id: int | None
    met_on: date | None  # the meeting within the cadence (null: none)
    last_met_on: date | None  # latest meeting with anyone holding the role (null: never)


class WarningOut(Schema):
    kind: str
    severity: str  # red | amber
    message: str
    contact_ids: list[int]
    role: str | None


class SponsorOut(Schema):
    user_id: int
    name: str


class ExecutiveOut(Schema):
    sponsors: list[SponsorOut]
    last_visit_on: date | None
    cadence_days: int | None  # null: the tier has no executive cadence
    due_on: date | None  # null: no cadence, or no executive visit yet (then overdue)
    overdue: bool


class CoverageOut(Schema):
    account_id: int
    tier: str | None  # null: never tiered, the default cadence applies
    cadence_days: int
    cadence_is_default: bool
    key_tier: bool
    status: str  # red | amber | green
    influences: list[InfluenceOut]
    warnings: list[WarningOut]
    executive: ExecutiveOut


def coverage_out(coverage: Coverage) -> dict:
    """The coverage as JSON, the same fields the page shows."""
    care = coverage.executive
    return {
        "account_id": coverage.account_id,
        "tier": coverage.tier or None,
        "cadence_days": coverage.cadence_days,
        "cadence_is_default": not coverage.cadence_known,
        "key_tier": coverage.key_tier,
        "status": coverage.status,
        "influences": [
            {
                "role": found.role,
                "label": found.label,
                "state": found.state,
                "contact_ids": [p.id for p in found.holders],
                "met_contact_id": found.met_by.id if found.met_by else None,
                "met_on": found.met_by.last_met_on if found.met_by else None,
                "last_met_on": found.last_met_on,
            }
            for found in coverage.influences
        ],
        "warnings": [
            {
                "kind": w.kind,
                "severity": w.severity,
                "message": w.message,
                "contact_ids": list(w.contact_ids),
                "role": w.role or None,
            }
            for w in coverage.warnings
        ],
        "executive": {
            "sponsors": [{"user_id": s.user_id, "name": s.name} for s in care.sponsors],
            "last_visit_on": care.last_visit_on,
            "cadence_days": care.cadence_days,
            "due_on": care.due_on,
            "overdue": care.overdue,
        },
    }


@router.get(
    "/{int:account_id}/coverage/",
    response={200: CoverageOut, **READ},
    summary="Decision chain coverage",
)
def account_coverage(request: HttpRequest, account_id: int):
    """The account's coverage of the four buying influences (M5.2), its warnings and
    red/amber/green status, and its executive sponsor's visits (M6.3). 404 for an account
    you may not see."""
    account = access.get_account(request.auth, account_id)
    return coverage_out(coverage_of(account, request.auth))


ROUTERS: list = [("accounts", router)]
