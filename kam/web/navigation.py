"""The navigation each role gets: KAMs live in their accounts; those who steer the
portfolio also get the what-if page; the import page is for those who own the figures."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def nav_items(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = [
        {"url": reverse("value:dashboard"), "label": _("Dashboard"), "key": "dashboard"},
        {"url": reverse("accounts:list"), "label": _("Accounts"), "key": "accounts"},
    ]
    if user.can_steer_tiers:
        items.append({"url": reverse("value:whatif"), "label": _("What-if"), "key": "whatif"})
    if user.can_import:
        items.append({"url": reverse("sales:import"), "label": _("Import"), "key": "import"})
    if user.is_staff:
        items.append(
            {"url": reverse("admin:index"), "label": _("Data maintenance"), "key": "admin"}
        )
    return items


def navigation(request) -> dict:
    """Context processor: `nav` for base.html."""
    return {"nav": nav_items(request.user) if hasattr(request, "user") else []}
