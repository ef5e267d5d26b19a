from django.apps import AppConfig


class CarePortalConfig(AppConfig):
    """The project package as an app: the periodic commands' run locks and the workers'
    heartbeats (care_portal.runs), and the task worker command that recovers lost tasks."""

    name = "care_portal"
    verbose_name = "Portail CaRE"
    default_auto_field = "django.db.models.BigAutoField"
