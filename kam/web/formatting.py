"""Amounts as people read them: 万 and 亿 in Chinese, thousands and millions in English.

A boss reads ¥1.35亿 or ¥135.0M at a glance where ¥135,012,345.67 needs counting digits.
Exact amounts stay in tables that add up and in exports; these are for headlines and charts.
"""

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£"}


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def short_amount(value, language: str, currency: str = "CNY") -> str:
    """¥1.35亿, ¥350万, ¥8,500 (zh); ¥135.0M, ¥350.0K, ¥8,500 (en). None → "–"."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    symbol = SYMBOLS.get(currency, currency + " ")
    if language.startswith("zh"):
        if amount >= YI:
            body = _trim(f"{_round(amount / YI, 2)}") + "亿"
        elif amount >= WAN:
            body = _trim(f"{_round(amount / WAN, 1 if amount < 100 * WAN else 0)}") + "万"
        else:
            body = f"{_round(amount, 0):,}"
    elif amount >= 1_000_000_000:
        body = f"{_round(amount / 1_000_000_000, 2)}B"
    elif amount >= 1_000_000:
        body = f"{_round(amount / 1_000_000, 1)}M"
    elif amount >= 10_000:
        body = f"{_round(amount / 1_000, 1)}K"
    else:
        body = f"{_round(amount, 0):,}"
    return f"{sign}{symbol}{body}"


def exact_amount(value, currency: str = "CNY") -> str:
    """¥1,234,567.80: two decimals with thousands separators, for tables and tooltips."""
    if value is None or value == "":
        return "–"
    amount = _round(Decimal(str(value)), 2)
    symbol = SYMBOLS.get(currency, currency + " ")
    return f"{'-' if amount < 0 else ''}{symbol}{abs(amount):,}"


def percent(value, places: int = 1) -> str:
    """A fraction as a percentage: 0.4567 → 45.7%. None → "–"."""
    if value is None:
        return "–"
    return f"{_round(Decimal(str(value)) * 100, places)}%"


MINUS = "\u2212"
"""The minus sign (−), not the hyphen: a change reads −4.0%, as in print."""


def signed_percent(value, places: int = 1) -> str:
    """A change as a percentage with its sign: 0.123 → +12.3%, −0.04 → −4.0%, 0 → 0.0%.
    None → "–" (unknown, never +0%)."""
    if value is None:
        return "–"
    rounded = _round(Decimal(str(value)) * 100, places)
    if rounded == 0:
        return f"{abs(rounded)}%"
    return f"{'+' if rounded > 0 else MINUS}{abs(rounded)}%"
