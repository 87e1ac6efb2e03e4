from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kam.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from . import sections
        from .views import orgchart  # the section; kam.people.orgchart is the pure layout

        sections.register_sections()
        orgchart.register_sections()
