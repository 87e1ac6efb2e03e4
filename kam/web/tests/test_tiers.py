"""One way to show a tier: a hand-set tier is always marked, "no purchases" is not 普通."""

from django.utils import translation

from kam.web.tiers import tier_html, tier_text


def test_a_tier_set_by_hand_says_so_in_text_and_on_the_page():
    with translation.override("en"):
        assert tier_text("gold") == "Gold"
        assert tier_text("gold", overridden=True) == "Gold (set by hand)"
        assert 'class="overridden"' in tier_html("gold", True)
        assert 'class="overridden"' not in tier_html("gold", False)


def test_no_purchases_keeps_a_hand_set_tier_visible():
    with translation.override("en"):
        assert tier_text("none") == "No purchases"
        assert tier_text("none", True, "gold") == "No purchases · holds Gold (set by hand)"
        html = tier_html("none", True, "gold")
        assert "No purchases" in html and 'class="tag gold held"' in html
        assert "set by hand" in html
        # a computed tier of an account that bought nothing is not shown: it counts nowhere
        assert "gold" not in tier_html("none", False, "gold")
    with translation.override("zh-hans"):
        assert tier_text("none") == "无采购"
