"""visits pages (see kam/care/urls.py)."""

urlpatterns: list = []
