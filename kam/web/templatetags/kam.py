"""Template filters for amounts and shares: {% load kam %} {{ revenue|money }}."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from kam.web import formatting, tiers

register = template.Library()


@register.filter
def money(value) -> str:
    """Short, the local way: ¥1.35亿 / ¥135.0M."""
    return formatting.short_amount(value, get_language() or "zh-hans", settings.KAM_CURRENCY)


@register.filter
def money_exact(value) -> str:
    return formatting.exact_amount(value, settings.KAM_CURRENCY)


@register.filter
def percent(value, places: int = 1) -> str:
    return formatting.percent(value, int(places))


@register.simple_tag
def tier_tag(tier, overridden=False, held=None):
    """{% tier_tag row.tier row.overridden row.held_tier %}: the one way a page shows a tier."""
    return tiers.tier_html(tier, bool(overridden), held)


@register.filter
def change(value, places: int = 1) -> str:
    """A change with its sign: +12.3% / −4.0% (growth, movements)."""
    return formatting.signed_percent(value, int(places))


@register.simple_tag
def figure(value, kind: str = "money", metric: str = "", row=None):
    """{% figure row.gross_profit "money" "gross_profit" row %}: the figure, or "—" with
    the reason it is unknown (formatting.unknown), the same on every page."""
    return formatting.figure(
        value,
        kind,
        metric,
        language=get_language() or "zh-hans",
        currency=settings.KAM_CURRENCY,
        row=row,
    )


@register.simple_tag
def unknown_because(metric: str, row=None):
    """The "—" of an unknown `metric`, with its reason."""
    return formatting.unknown(formatting.unknown_reason(metric, row))


@register.simple_tag
def own_language_names() -> list[tuple[str, str]]:
    """The languages as settings names them, each in itself ("中文", "English"), not
    translated into the page's language: a reader looks for their own language's name."""
    return list(settings.LANGUAGES)
