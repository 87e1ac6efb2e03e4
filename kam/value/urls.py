from django.urls import path

from . import views

app_name = "value"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("what-if/", views.whatif, name="whatif"),
]
