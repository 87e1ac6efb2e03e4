"""cards pages (see kam/people/urls.py)."""

urlpatterns: list = []
