from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = _("Appels à financement CaRE")

    def ready(self) -> None:
        from funding import permissions  # noqa: F401  (registers the `rules` permissions)
        from funding.calls_loader import load_funding_calls
        from referential.loader import on_load

        on_load(load_funding_calls)
