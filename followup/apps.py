from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "followup"
    verbose_name = _("Suivi de campagne")

    def ready(self) -> None:
        from assessments.questions import on_assignment
        from assessments.workflow import on_transition
        from followup import permissions  # noqa: F401  (registers the `rules` permissions)
        from followup.notifications import on_assessment_transition, on_question_assigned

        # The workflow tells the follow-up of each status change: the notifications.
        on_transition(on_assessment_transition)
        # A question entrusted to a colleague: that colleague is told.
        on_assignment(on_question_assigned)
