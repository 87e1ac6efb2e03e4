from django.apps import AppConfig


class SectionAppConfig(AppConfig):
    name = "kam.accounts.tests.sectionapp"
    label = "sectionapp"

    def ready(self) -> None:
        from . import sections

        sections.install()
