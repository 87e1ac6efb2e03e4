"""Changes read with their sign, as a director expects them: +12.3% / −4.0%."""

from kam.web.formatting import signed_percent


def test_changes_show_their_sign():
    assert signed_percent(0.123) == "+12.3%"
    assert signed_percent(-0.04) == "\u22124.0%"  # the minus sign, not a hyphen
    assert signed_percent(0) == "0.0%"
    assert signed_percent(-0.00001) == "0.0%"  # rounds to nothing: no sign
    assert signed_percent(14.23) == "+1423.0%"
    assert signed_percent(0.5, places=0) == "+50%"
    assert signed_percent(None) == "–"  # unknown, never +0%
