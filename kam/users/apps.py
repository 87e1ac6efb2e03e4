from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "kam.users"
    verbose_name = _("Users")

    def ready(self):
        from .admin import guard_library_admins

        guard_library_admins()
