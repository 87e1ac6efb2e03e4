"""How a tier is shown, everywhere one is: its name, "no purchases" for a period an account
bought nothing in, and a mark when a manager set it by hand. Dashboard tables, the account
page, the list and the exports all go through these, so a hand-set tier never passes for a
computed one."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from kam.value.analytics.tiers import NO_PURCHASES, NO_PURCHASES_LABEL, TIER_LABELS


def tier_label(tier: str | None) -> str:
    """A tier's name; NO_PURCHASES (or no tier at all) reads "No purchases"."""
    return str(TIER_LABELS[tier]) if tier in TIER_LABELS else str(NO_PURCHASES_LABEL)


def tier_text(tier: str | None, overridden: bool = False) -> str:
    """A tier as plain text (exports, titles): "Gold (set by hand)" when a manager set it."""
    label = tier_label(tier)
    if overridden and tier in TIER_LABELS:
        return gettext("%(tier)s (set by hand)") % {"tier": label}
    return label


def tier_html(tier: str | None, overridden: bool = False) -> SafeString:
    """The tier tag pages show, with the "set by hand" mark; "No purchases" muted."""
    if tier in TIER_LABELS:
        tag = format_html('<span class="tag {}">{}</span>', tier, tier_label(tier))
        if overridden:
            tag += format_html(
                ' <span class="overridden" title="{}">{}</span>',
                gettext("Tier set by hand"),
                gettext("set by hand"),
            )
        return tag
    if tier == NO_PURCHASES:
        return format_html(
            '<span class="tag none muted" title="{}">{}</span>',
            gettext("No purchases in this period"),
            tier_label(tier),
        )
    return format_html('<span class="muted">–</span>')
