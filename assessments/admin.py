from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Answer, Assessment, Campaign, CrisisExercise, Evidence, Transition


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["year", "referential", "opens_on", "closes_on"]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["establishment", "campaign", "status", "version", "updated_at"]
    list_filter = ["campaign", "status"]
    search_fields = ["establishment__name", "establishment__finess"]
    raw_id_fields = ["establishment", "submitted_by", "validated_by"]
    # A status changes through the workflow alone, which records the transition and the audit
    # event and rewrites the score snapshot (and its copy of the status).
    readonly_fields = ["status", "version"]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "requirement", "updated_at"]
    raw_id_fields = ["assessment", "requirement", "updated_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the portal's services only: the admin reads them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action", "assessment__campaign"]
    search_fields = ["assessment__establishment__name", "assessment__establishment__finess"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    # The file itself is only ever served by the scoped download view, never by the admin.
    list_display = [
        "assessment",
        "requirement",
        "kind",
        "title",
        "original_name",
        "size",
        "created_at",
    ]
    list_filter = ["kind"]
    fields = [
        "assessment",
        "requirement",
        "kind",
        "title",
        "original_name",
        "content_type",
        "size",
        "url",
    ]
    search_fields = ["assessment__establishment__finess", "original_name"]


@admin.register(CrisisExercise)
class CrisisExerciseAdmin(admin.ModelAdmin):
    list_display = ["establishment", "held_on", "kind", "lessons_learned"]
    list_filter = ["kind"]
    search_fields = ["establishment__name", "establishment__finess"]
    raw_id_fields = ["establishment", "created_by"]
