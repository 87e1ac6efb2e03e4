from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    # the list and its export (views/listing.py)
    path("", views.account_list, name="list"),
    path("export.xlsx", views.account_export, name="export"),
    # the 360° page and its edits (views/detail.py)
    path("<int:pk>/", views.account_detail, name="detail"),
]
