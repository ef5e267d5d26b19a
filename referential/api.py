"""REST API of the referential: the list of versions and one whole version."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from referential.models import Axis, Objective, ReferentialVersion, Requirement


class BlankAsNullField(serializers.CharField):
    """Optional texts stored blank are given as null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class ResourceSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    cited_in = serializers.CharField(allow_null=True, help_text='The plan action ("3-1"), or null.')
    url = serializers.URLField(
        allow_null=True, help_text="An https address, or null when the sources give none."
    )
    url_kind = serializers.ChoiceField(
        choices=["document", "publisher_site"],
        allow_null=True,
        help_text="document: the resource itself; publisher_site: its publisher's site.",
    )


class RequirementSerializer(serializers.ModelSerializer):
    help = serializers.CharField(source="help_text")
    domain = BlankAsNullField()
    headline = BlankAsNullField()
    funding_call = BlankAsNullField()
    national_target = serializers.SerializerMethodField()
    source = BlankAsNullField(help_text="plan, funding_call or portal; null in version 1")
    source_ref = BlankAsNullField(help_text='The plan action ("3-3") or call and objective')
    source_label = serializers.CharField(source="source_badge")
    threshold_source = BlankAsNullField()
    resources = serializers.SerializerMethodField()

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
            "source",
            "source_ref",
            "source_label",
            "also_feeds",
            "threshold_source",
            "answered_by",
            "reason_required_for_na",
            "resources",
        ]

    @extend_schema_field(ResourceSerializer(many=True))
    def get_resources(self, requirement: Requirement) -> list[dict]:
        """The public resources that help meet it (empty in version 1)."""
        return [resource.as_api() for resource in requirement.help_resources]

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


class HeadlineTargetSerializer(serializers.Serializer):
    """One headline target of a version, as its YAML states it."""

    code = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    action = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    deadline_label = serializers.CharField()
    national_share = serializers.FloatField(allow_null=True, help_text="0-1; null: see note")
    population = serializers.CharField()
    note = BlankAsNullField(allow_blank=True)
    kinds = serializers.ListField(child=serializers.CharField())
    unit = serializers.CharField(help_text="ET, EJ, PMSI, OG, GHT or candidates:<call code>")
    requirements = serializers.ListField(child=serializers.CharField())
    from_status = serializers.BooleanField()


class MilestoneSerializer(serializers.Serializer):
    """A national or regional milestone: context, never an establishment's requirement."""

    action = serializers.CharField()
    label = serializers.CharField()
    owner = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    date_label = serializers.CharField()


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

    def _version(self) -> ReferentialVersion:
        return get_object_or_404(
            ReferentialVersion.objects.for_user(self.request.user),
            code=self.kwargs["code"],
            version=self.kwargs["version"],
        )

    @extend_schema(responses=HeadlineTargetSerializer(many=True))
    def targets(self, request, *args, **kwargs):
        """The headline targets of the version, each with the unit it counts (none in v1)."""
        return Response(HeadlineTargetSerializer(self._version().headline_targets, many=True).data)

    @extend_schema(responses=MilestoneSerializer(many=True))
    def milestones(self, request, *args, **kwargs):
        """The national and regional milestones the version records (none in v1)."""
        return Response(MilestoneSerializer(self._version().milestones, many=True).data)
