from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = _("Tableaux de bord")

    def ready(self) -> None:
        from assessments.scoring.service import on_snapshots_written
        from dashboards import permissions  # noqa: F401  (registers the `rules` permissions)
        from dashboards.summary import snapshots_written

        on_snapshots_written(snapshots_written)
        from dashboards.summary import registry_changed
        from establishments.services import on_registry_changed

        on_registry_changed(registry_changed)
