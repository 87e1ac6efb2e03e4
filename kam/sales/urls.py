from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("", views.import_page, name="import"),
]
