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


def tier_text(tier: str | None, overridden: bool = False, held: str | None = None) -> str:
    """A tier as plain text (exports, titles): "Gold (set by hand)" when a manager set it.
    For "no purchases", a tier set by hand that the account holds is named too."""
    label = tier_label(tier)
    if overridden and tier in TIER_LABELS:
        return gettext("%(tier)s (set by hand)") % {"tier": label}
    if overridden and held in TIER_LABELS:
        return gettext("%(standing)s · holds %(tier)s (set by hand)") % {
            "standing": label,
            "tier": tier_label(held),
        }
    return label


def tier_html(tier: str | None, overridden: bool = False, held: str | None = None) -> SafeString:
    """The tier tag pages show, with the "set by hand" mark; "No purchases" muted, followed
    by the tier it holds when a manager set that by hand (a decision stays visible)."""
    if tier in TIER_LABELS:
        tag = format_html('<span class="tag {}">{}</span>', tier, tier_label(tier))
        return tag + _by_hand() if overridden else tag
    if tier == NO_PURCHASES:
        tag = format_html(
            '<span class="tag none muted" title="{}">{}</span>',
            gettext("No purchases in this period"),
            tier_label(tier),
        )
        if overridden and held in TIER_LABELS:
            tag += format_html(
                ' <span class="tag {} held" title="{}">{}</span>',
                held,
                gettext("The tier it holds"),
                tier_label(held),
            )
            tag += _by_hand()
        return tag
    return format_html('<span class="muted">–</span>')


def _by_hand() -> SafeString:
    return format_html(
        ' <span class="overridden" title="{}">{}</span>',
        gettext("Tier set by hand"),
        gettext("set by hand"),
    )
