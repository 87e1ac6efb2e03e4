from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("kam.users.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("kam.accounts.urls")),
    path("import/", include("kam.sales.urls")),
    path("", include("kam.value.urls")),
    path("", include("kam.web.urls")),
]
