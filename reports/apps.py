from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Rapports")

    def ready(self) -> None:
        from assessments.workflow import on_transition
        from reports.stored import render_when_transmitted

        on_transition(render_when_transmitted)
