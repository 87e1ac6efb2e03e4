from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("", views.import_page, name="import"),
    path("<int:pk>/", views.job_page, name="import-job"),
    path("<int:pk>/run/", views.run_import, name="import-run"),
    path("<int:pk>/status/", views.import_status, name="import-status"),
    path("<int:pk>/problems.<str:kind>", views.problem_report, name="import-problems"),
]
