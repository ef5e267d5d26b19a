from django.contrib import admin

from referential.models import Axis, Objective, ReferentialVersion, Requirement


@admin.register(ReferentialVersion)
class ReferentialVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "title", "status", "published_on"]
    list_filter = ["code", "status"]


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ["referential", "number", "title"]
    list_filter = ["referential"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["referential", "number", "title", "national_only"]
    list_filter = ["referential"]


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "care_action",
        "answer_type",
        "weight",
        "deadline",
        "domain",
        "headline",
    ]
    list_filter = ["referential", "answer_type", "domain", "headline"]
    search_fields = ["code", "label"]
