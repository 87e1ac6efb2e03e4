from django.urls import path

from . import sections, views
from .views import detail

app_name = "accounts"


def section_patterns() -> list:
    """Every registered section's endpoints, at /customers/<id>/s/<section>/<path>, named
    accounts:<endpoint> (kam.accounts.sections); read when the URL configuration loads,
    after every app's ready() has registered its sections."""
    return [
        path(
            f"<int:pk>/s/{section.key}/{endpoint.path}",
            detail.endpoint_view(section, endpoint),
            name=endpoint.name,
        )
        for section in sections.registered()
        for endpoint in section.endpoints
    ]


def patterns() -> list:
    return [
        # the list and its export (views/listing.py)
        path("", views.account_list, name="list"),
        path("export.xlsx", views.account_export, name="export"),
        # the 360° page: a shell over the sections (views/detail.py), and their endpoints
        path("<int:pk>/", views.account_detail, name="detail"),
        *section_patterns(),
    ]


urlpatterns = patterns()
