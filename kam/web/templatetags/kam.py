"""Template filters for amounts and shares: {% load kam %} {{ revenue|money }}."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from kam.web import formatting

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


@register.filter
def change(value, places: int = 1) -> str:
    """A change with its sign: +12.3% / −4.0% (growth, movements)."""
    return formatting.signed_percent(value, int(places))
