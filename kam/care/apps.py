from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "kam.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from . import coverage_sections, visit_sections

        visit_sections.register_sections()
        coverage_sections.register_sections()
