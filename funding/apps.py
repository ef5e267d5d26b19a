from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = _("Appels à financement CaRE")

    def ready(self) -> None:
        from assessments.target_units import register_candidacies
        from funding import permissions  # noqa: F401  (registers the `rules` permissions)
        from funding.calls_loader import load_funding_calls
        from referential.loader import on_load

        on_load(load_funding_calls)
        # Target 13-1 and every ``candidates:<call>`` count read the candidacies recorded here.
        from funding.services import candidate_establishments

        register_candidacies(candidate_establishments)
