from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Answer, Assessment, Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["year", "referential", "opens_on", "closes_on"]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["establishment", "campaign", "status", "version", "updated_at"]
    list_filter = ["campaign", "status"]
    search_fields = ["establishment__name", "establishment__finess"]
    raw_id_fields = ["establishment", "submitted_by", "validated_by"]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "requirement", "updated_at"]
    raw_id_fields = ["assessment", "requirement", "updated_by"]
