from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValueConfig(AppConfig):
    name = "kam.value"
    verbose_name = _("Account value")

    def ready(self) -> None:
        from . import sections, signals

        signals.connect()
        sections.register_sections()
