from django.urls import path

from . import views
from .views import detail

app_name = "accounts"
urlpatterns = [
    # the list and its export (views/listing.py)
    path("", views.account_list, name="list"),
    path("export.xlsx", views.account_export, name="export"),
    # the 360° page, its chart data and its edits (views/detail.py)
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/chart.json", detail.account_chart, name="chart"),
    path("<int:pk>/stage/<str:track>/", detail.change_stage, name="stage"),
    path("<int:pk>/check/", detail.check_item, name="check"),
    path("<int:pk>/potential/", detail.set_potential, name="potential"),
    path("<int:pk>/tier/", detail.override_tier, name="override"),
    path("<int:pk>/tier/clear/", detail.clear_override, name="clear_override"),
    path("<int:pk>/team/add/", detail.team_add, name="team_add"),
    path("<int:pk>/team/remove/", detail.team_remove, name="team_remove"),
]
