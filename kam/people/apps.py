from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kam.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from . import orgchart, sections

        sections.register_sections()
        orgchart.register_sections()
