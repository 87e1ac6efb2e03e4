"""The tier each account holds as kam's pages show it: the value analysis of the period the
pages open on (kam.value, cached per state of the data), with a tier a manager set by hand
in place of the computed one. Coverage cadences, the dashboard's key-tier list and the
who's who all read it here, so an account is "diamond" in the same way everywhere — the
stored AccountTier rows alone hold only what `kam analyze --apply` last stored."""

from __future__ import annotations

import polars as pl

from kam.value.forms import period_form
from kam.value.portfolio import analysis_for


def shown_tiers(user) -> tuple[dict[int, str], str]:
    """Account id → tier for the accounts `user` may see, and the period's label. An
    account the analysis does not place has no entry (unknown, not "ordinary")."""
    picker = period_form(None, user)
    analysis = analysis_for(user, picker.period())
    frame = analysis.tiers.select(pl.col("account_id"), pl.col("tier").cast(pl.String))
    return {a: t for a, t in frame.iter_rows() if t}, picker.label
