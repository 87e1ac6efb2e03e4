from django.contrib import admin
from django.urls import include, path

# kam's own error pages (kam/templates/400.html …): branded, translated, leaking nothing.
handler400 = "kam.web.views.bad_request"
handler403 = "kam.web.views.permission_denied"
handler404 = "kam.web.views.page_not_found"
handler500 = "kam.web.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("kam.api.urls")),
    path("accounts/", include("kam.users.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("kam.accounts.urls")),
    path("import/", include("kam.sales.urls")),
    path("people/", include("kam.people.urls")),
    path("care/", include("kam.care.urls")),
    path("", include("kam.value.urls")),
    path("", include("kam.web.urls")),
]
