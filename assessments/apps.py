from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Auto-évaluations")

    def ready(self) -> None:
        from assessments import checks, permissions, signals  # noqa: F401
        from assessments.scoring.copies import sync_snapshot_copies
        from establishments.services import on_registry_changed

        # The snapshots' copies of their establishment follow a registry change.
        on_registry_changed(sync_snapshot_copies)
