"""The navigation each role gets: KAMs live in their accounts; those who steer the
portfolio also get the what-if page; the import page is for those who own the figures."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.users.roles import Action, may_company

SECTIONS = {
    # menu entry → the views (a namespace, or namespace:name) that belong to it
    "dashboard": ("value:dashboard",),
    "accounts": ("accounts",),
    "tasks": ("care:tasks",),
    "network": (
        "care:whos_who",
        "care:paths",
        "care:account_network",
        "people:third_parties",
        "people:third_party",
        "people:connections",
    ),
    "whatif": ("value:whatif",),
    "import": ("sales",),
    "admin": ("admin",),
}


def nav_items(user, view_name: str = "") -> list[dict]:
    if not user.is_authenticated:
        return []
    items = [
        {"url": reverse("value:dashboard"), "label": _("Dashboard"), "key": "dashboard"},
        {"url": reverse("accounts:list"), "label": _("Accounts"), "key": "accounts"},
        {"url": reverse("care:tasks"), "label": _("My tasks"), "key": "tasks"},
        {"url": reverse("care:whos_who"), "label": _("Who's who"), "key": "network"},
    ]
    if may_company(user, Action.STEER_VALUE):
        items.append({"url": reverse("value:whatif"), "label": _("What-if"), "key": "whatif"})
    if may_company(user, Action.IMPORT):
        items.append({"url": reverse("sales:import"), "label": _("Import"), "key": "import"})
    if user.is_staff:
        items.append(
            {"url": reverse("admin:index"), "label": _("Data maintenance"), "key": "admin"}
        )
    for item in items:
        item["current"] = any(
            view_name == name or view_name.startswith(name + ":") for name in SECTIONS[item["key"]]
        )
    return items


def navigation(request) -> dict:
    """Context processor: `nav` for base.html, the entry of the page at hand marked."""
    if not hasattr(request, "user"):
        return {"nav": []}
    match = getattr(request, "resolver_match", None)
    return {"nav": nav_items(request.user, match.view_name if match else "")}
