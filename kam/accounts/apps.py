from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kam.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .views import sections

        sections.register_sections()
