"""The coverage section of the account page (METHODOLOGY M5.2, M6.3): the four buying
influences with their state, who and when we last met them; the warnings; the
red/amber/green status; the executive sponsor and their last executive visit against the
tier's cadence. Read-only: contacts and visits are edited in their own sections.

Also the dashboard's coverage panel (registered in kam.value.panels, which the value app
renders without importing care)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.sections import Page, Section, register
from kam.value import panels

from .coverage import AMBER, GREEN, RED
from .coverage_loader import coverage_of, portfolio

STATUS_CLASS = {RED: "flag", AMBER: "warning", GREEN: "strategic"}
"""The tag colours the page already has: red, amber, green."""

PANEL_ROWS = 30
"""The dashboard lists this many key accounts (worst first); the counts cover them all."""


def coverage_context(page: Page) -> dict:
    """The account's coverage; four queries (policy, contacts, sponsors, executive visits),
    the tier as the page shows it (the analysis is the value section's, cached)."""
    coverage = coverage_of(page.account, page.user)
    return {"coverage": coverage, "status_class": STATUS_CLASS[coverage.status]}


def coverage_panel(request) -> dict:
    """The key-tier accounts the user may see, red first, and the sponsors overdue."""
    rows = portfolio(request.user)
    counts = dict.fromkeys((RED, AMBER, GREEN), 0)
    for _account, coverage in rows:
        counts[coverage.status] += 1
    shown = [
        {"account": account, "coverage": coverage, "status_class": STATUS_CLASS[coverage.status]}
        for account, coverage in rows[:PANEL_ROWS]
    ]
    overdue = [
        {"account": account, "coverage": coverage}
        for account, coverage in rows
        if coverage.executive.overdue or any(w.kind == "no_sponsor" for w in coverage.warnings)
    ]
    return {
        "rows": shown,
        "total": len(rows),
        "counts": counts,
        "overdue": overdue[:PANEL_ROWS],
        "overdue_total": len(overdue),
        "may_steer": access.may(request.user, Action.STEER_VALUE),
    }


def register_sections() -> None:
    """Called from CareConfig.ready(): the account page's section and the dashboard panel."""
    register(
        Section(
            key="coverage",
            anchor="coverage-tab",
            title=_("Coverage"),
            order=45,
            template="care/sections/coverage.html",
            context=coverage_context,
            related=("tier_state",),
        )
    )
    panels.register(
        panels.Panel(
            key="coverage",
            title=_("Coverage of key accounts"),
            order=10,
            template="care/panels/coverage.html",
            context=coverage_panel,
        )
    )
