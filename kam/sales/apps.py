from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kam.sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from kam.core.worker import worker_tick

        from .jobs import sweep_dead_imports

        worker_tick.connect(sweep_dead_imports, dispatch_uid="sales-sweep-dead-imports")
