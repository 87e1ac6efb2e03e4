"""Signing in and out, the password, and two-factor sign-in."""

from django.contrib.auth import views as auth_views
from django.urls import path

from kam.users import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.TwoFactorLoginView.as_view(), name="two_factor_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api-tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
]
