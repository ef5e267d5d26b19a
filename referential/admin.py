"""Admin pages to browse referential versions; published or used versions are read-only.

Versions are loaded from YAML (``load_referential``); the admin is for reading them and for
small corrections to a draft that no campaign uses yet.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from referential.models import Axis, Objective, ReferentialVersion, Requirement


class FrozenVersionMixin:
    """No change or deletion once the version is published or used by a campaign."""

    @staticmethod
    def version_of(obj) -> ReferentialVersion | None:
        if obj is None:
            return None
        return obj if isinstance(obj, ReferentialVersion) else obj.referential

    def has_change_permission(self, request, obj=None):
        version = self.version_of(obj)
        if version is not None and version.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        version = self.version_of(obj)
        if version is not None and version.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        # New content comes from a YAML file, checked as a whole by the loader.
        return False


class RequirementInline(FrozenVersionMixin, admin.TabularInline):
    model = Requirement
    fields = ["code", "care_action", "label", "answer_type", "weight", "deadline", "domain"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    ordering = ["order"]


@admin.register(ReferentialVersion)
class ReferentialVersionAdmin(FrozenVersionMixin, admin.ModelAdmin):
    list_display = ["code", "version", "title", "status", "published_on", "requirement_count"]
    list_filter = ["code", "status"]
    readonly_fields = ["code", "version", "created_at"]
    inlines = [RequirementInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(requirement_total=Count("requirements"))

    @admin.display(description=_("exigences"), ordering="requirement_total")
    def requirement_count(self, obj) -> int:
        return obj.requirement_total


@admin.register(Axis)
class AxisAdmin(FrozenVersionMixin, admin.ModelAdmin):
    list_display = ["referential", "number", "title"]
    list_filter = ["referential"]
    list_select_related = ["referential"]
    readonly_fields = ["referential"]


@admin.register(Objective)
class ObjectiveAdmin(FrozenVersionMixin, admin.ModelAdmin):
    list_display = ["referential", "number", "title", "national_only"]
    list_filter = ["referential", "national_only"]
    list_select_related = ["referential"]
    readonly_fields = ["referential", "axis"]


@admin.register(Requirement)
class RequirementAdmin(FrozenVersionMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "referential",
        "care_action",
        "answer_type",
        "weight",
        "deadline",
        "domain",
        "headline",
    ]
    list_filter = ["referential", "answer_type", "domain", "headline"]
    list_select_related = ["referential"]
    search_fields = ["code", "label"]
    readonly_fields = ["referential", "objective", "code", "answer_type", "rule", "condition"]
