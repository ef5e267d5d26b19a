from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actions"
    verbose_name = _("Plans d'actions")

    def ready(self) -> None:
        from actions import carry_over, permissions  # noqa: F401 - registers rules and listeners

        carry_over.register()
