"""The company's currency: which codes are currencies, how each is written, and the rule that
an import in another currency is refused (kam converts nothing).

Babel's symbol table is not among kam's dependencies, so this keeps the ISO 4217 list of
active codes and the symbols of the common ones; any other currency shows its ISO code
("CHF 1,234.00"), which every reader of that currency recognises.
"""

from django.utils.translation import gettext_lazy as _

ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)
"""Active ISO 4217 currency codes (2025), the ones KAM_CURRENCY and --currency accept."""

SYMBOLS = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "HKD": "HK$",
    "TWD": "NT$",
    "MOP": "MOP$",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "CA$",
    "NZD": "NZ$",
    "KRW": "₩",
    "INR": "₹",
    "RUB": "₽",
    "VND": "₫",
    "THB": "฿",
    "PHP": "₱",
    "ILS": "₪",
    "TRY": "₺",
    "UAH": "₴",
    "NGN": "₦",
}
"""Symbols of the common currencies. JPY is JP¥ so that a yen never reads as a yuan."""


def choices(company: str) -> list[tuple[str, str]]:
    """The currencies a file can be declared in, the company's first (the default)."""
    return [(code, code) for code in [company, *sorted(ISO_4217 - {company})]]


def is_currency(code: str) -> bool:
    """Whether `code` is an active ISO 4217 code (upper case, as settings spell it)."""
    return code in ISO_4217


def symbol(code: str) -> str:
    """¥ for CNY, $ for USD …; other currencies their code and a space ("CHF ")."""
    return SYMBOLS.get(code, f"{code} ")


def uses_wan(code: str, language: str) -> bool:
    """万/亿 only for yuan read in Chinese: "$135万" mixes two ways of counting, so other
    currencies use K/M/B in Chinese too, as their own reports do."""
    return code == "CNY" and language.startswith("zh")


class CurrencyMismatch(ValueError):
    """An import declared in another currency than the company's: refused, nothing written."""


def check_import_currency(declared: str | None, company: str) -> None:
    """Refuse a file whose declared currency is not the company's; kam converts nothing."""
    if not declared or declared.upper() == company:
        return
    if not is_currency(declared.upper()):
        raise CurrencyMismatch(
            _("%(code)s is not an ISO 4217 currency code (such as CNY, USD, EUR, GBP).")
            % {"code": declared}
        )
    raise CurrencyMismatch(
        _(
            "This file is in %(file)s but the company keeps its figures in %(company)s; kam "
            "converts nothing. Change the company currency (KAM_CURRENCY) or import a file "
            "in %(company)s."
        )
        % {"file": declared.upper(), "company": company}
    )
