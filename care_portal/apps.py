from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


def keep_prepared_statements(sender, connection, **kwargs) -> None:
    """A new PostgreSQL connection keeps up to `DATABASE_PREPARED_MAX` prepared statements.

    psycopg keeps 100 by default and drops the least recently used beyond: the portal's pages,
    saves and exports run more distinct statements than that on one connection, so the hot ones
    were dropped and planned again at each run instead of once."""
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED:
        connection.connection.prepared_max = settings.DATABASE_PREPARED_MAX


class CarePortalConfig(AppConfig):
    """The project package as an app: the periodic commands' run locks and the workers'
    heartbeats (care_portal.runs), the task worker command that recovers lost tasks, and the
    database connections' settings."""

    name = "care_portal"
    verbose_name = "Portail CaRE"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(keep_prepared_statements, dispatch_uid="care-prepared-max")
