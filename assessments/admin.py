from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Answer, Assessment, Campaign, CrisisExercise, Evidence, Transition
from establishments.services import establishment_edited


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["year", "referential", "opens_on", "closes_on"]

    def get_readonly_fields(self, request, obj=None):
        # A campaign keeps its referential (as `open_campaign` refuses to change it): its
        # assessments were answered and scored against it.
        return ["referential"] if obj is not None else []


class ViewedHistoryAdmin(SimpleHistoryAdmin):
    """The past versions shown, never restored: a revert would set a status, a version or an
    answer back around the workflow and the save (their transitions, audit and scores)."""

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


@admin.register(Assessment)
class AssessmentAdmin(ViewedHistoryAdmin):
    list_display = ["establishment", "campaign", "status", "version", "updated_at"]
    list_filter = ["campaign", "status"]
    search_fields = ["establishment__name", "establishment__finess"]
    raw_id_fields = ["establishment", "submitted_by", "validated_by"]
    # A status changes through the workflow alone, which records the transition and the audit
    # event and rewrites the score snapshot (and its copy of the status).
    readonly_fields = ["status", "version"]

    def get_readonly_fields(self, request, obj=None):
        # An assessment stays its establishment's, in its campaign (its answers, scores and
        # counts are theirs).
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "establishment", "campaign"] if obj is not None else fields

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        establishment_edited()  # the dashboards' counts and copies follow

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        establishment_edited()


@admin.register(Answer)
class AnswerAdmin(ViewedHistoryAdmin):
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
