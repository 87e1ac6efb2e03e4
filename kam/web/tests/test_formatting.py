"""Changes read with their sign, as a director expects them: +12.3% / −4.0%."""

import pytest

from kam.web.formatting import exact_amount, short_amount, signed_percent


def test_changes_show_their_sign():
    assert signed_percent(0.123) == "+12.3%"
    assert signed_percent(-0.04) == "\u22124.0%"  # the minus sign, not a hyphen
    assert signed_percent(0) == "0.0%"
    assert signed_percent(-0.00001) == "0.0%"  # rounds to nothing: no sign
    assert signed_percent(14.23) == "+1423.0%"
    assert signed_percent(0.5, places=0) == "+50%"
    assert signed_percent(None) == "–"  # unknown, never +0%


# --- currency -------------------------------------------------------------------------------


def test_yuan_in_chinese_counts_in_wan_and_yi():
    assert short_amount(135_012_345.67, "zh-hans", "CNY") == "¥1.35亿"
    assert short_amount(3_500_000, "zh-hans", "CNY") == "¥350万"
    assert short_amount(8_500, "zh-hans", "CNY") == "¥8,500"
    assert short_amount(-25_000, "zh-hans", "CNY") == "-¥2.5万"


def test_yuan_in_english_counts_in_thousands_and_millions():
    assert short_amount(135_012_345.67, "en", "CNY") == "¥135.0M"
    assert short_amount(350_000, "en", "CNY") == "¥350.0K"
    assert exact_amount(1_234_567.8, "CNY") == "¥1,234,567.80"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dollars_never_count_in_wan_even_in_chinese(language):
    assert short_amount(1_350_000, language, "USD") == "$1.4M"
    assert short_amount(2_500_000_000, language, "USD") == "$2.50B"
    assert short_amount(8_500, language, "USD") == "$8,500"
    assert exact_amount(1_234.5, "USD") == "$1,234.50"


def test_pounds_and_other_currencies():
    assert short_amount(350_000, "zh-hans", "GBP") == "£350.0K"
    assert exact_amount(99, "GBP") == "£99.00"
    assert exact_amount(10, "HKD") == "HK$10.00"
    assert exact_amount(10, "JPY") == "JP¥10.00"  # a yen never reads as a yuan
    assert exact_amount(10, "CHF") == "CHF 10.00"  # no symbol in the table: the ISO code
