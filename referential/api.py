"""REST API of the referential: the list of versions and one whole version."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.reverse import reverse

from referential.models import Axis, Objective, ReferentialVersion, Requirement


class BlankAsNullField(serializers.CharField):
    """Optional texts stored blank are given as null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class RequirementSerializer(serializers.ModelSerializer):
    help = serializers.CharField(source="help_text")
    domain = BlankAsNullField()
    headline = BlankAsNullField()
    funding_call = BlankAsNullField()
    national_target = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "code",
            "label",
            "help",
            "care_action",
            "applies_to",
            "answer_type",
            "rule",
            "weight",
            "deadline",
            "deadline_label",
            "national_target",
            "domain",
            "funding_call",
            "not_applicable_allowed",
            "required",
            "headline",
            "prerequisite",
            "condition",
            "recommendation",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "share": {"type": "number", "nullable": True},
                "population": {"type": "string"},
            },
        }
    )
    def get_national_target(self, requirement: Requirement) -> dict | None:
        if requirement.national_target_share is None and not requirement.national_target_population:
            return None
        return {
            "share": requirement.national_target_share,
            "population": requirement.national_target_population,
        }


class ObjectiveSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True)

    class Meta:
        model = Objective
        fields = ["code", "number", "title", "national_only", "requirements"]


class AxisSerializer(serializers.ModelSerializer):
    objectives = ObjectiveSerializer(many=True)

    class Meta:
        model = Axis
        fields = ["code", "number", "title", "objectives"]


class ReferentialVersionSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReferentialVersion
        fields = ["code", "version", "title", "status", "published_on", "url"]

    def get_url(self, referential: ReferentialVersion) -> str:
        return reverse(
            "referential-detail",
            kwargs={"code": referential.code, "version": referential.version},
            request=self.context["request"],
        )


class ReferentialVersionSerializer(serializers.ModelSerializer):
    axes = AxisSerializer(many=True)

    class Meta:
        model = ReferentialVersion
        fields = ["code", "version", "title", "published_on", "source", "status", "axes"]


class ReferentialVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Referential versions: published ones for every signed-in caller, drafts for national."""

    def get_queryset(self):
        versions = ReferentialVersion.objects.for_user(self.request.user)
        return versions.newest_first() if self.action == "list" else versions.with_content()

    def get_serializer_class(self):
        if self.action == "list":
            return ReferentialVersionSummarySerializer
        return ReferentialVersionSerializer

    def get_object(self) -> ReferentialVersion:
        return get_object_or_404(
            self.get_queryset(), code=self.kwargs["code"], version=self.kwargs["version"]
        )
