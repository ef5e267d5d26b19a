"""REST API of assessments: list with scores, detail with answers, scores and gaps, answer saving."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.answers import (
    AnswersRejected,
    AssessmentLocked,
    NotInScope,
    StaleVersion,
    na_reasons_of,
    save_answers_in_scope,
)
from assessments.models import Assessment, assessment_in_scope
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import AssessmentResult
from assessments.scoring.peers import PEER_MINIMUM, Withheld, by_care_score, peer_position
from assessments.scoring.service import answers_for_scoring, compute_result
from care_portal.api_filters import ApiFilterSet, IntegerFilter
from care_portal.api_schema import ERROR, VALIDATION_ERROR
from care_portal.ids import ID_PATTERN
from establishments.models import Kind, scope_of
from referential.api import ResourceSerializer
from referential.resources import Resource
from referential.rules import NOT_APPLICABLE_VALUE


class AssessmentListSerializer(serializers.ModelSerializer):
    establishment = serializers.CharField(source="establishment.finess")
    establishment_name = serializers.CharField(source="establishment.name")
    kind = serializers.CharField(source="establishment.kind")
    region = serializers.CharField(source="establishment.region_id")
    year = serializers.IntegerField(source="campaign.year")
    score_global = serializers.FloatField(allow_null=True)
    scores = serializers.SerializerMethodField(
        help_text="Stored scores: `global` (maturity) and, from version 2 on, `care` (the "
        "CaRE-targets score), as in the detail."
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "establishment",
            "establishment_name",
            "kind",
            "region",
            "year",
            "status",
            "version",
            "score_global",
            "scores",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "global": {"type": "number", "nullable": True, "minimum": 0, "maximum": 100},
                "care": {
                    "type": "number",
                    "nullable": True,
                    "minimum": 0,
                    "maximum": 100,
                    "description": "Version 2 on only.",
                },
            },
            "required": ["global"],
        }
    )
    def get_scores(self, assessment) -> dict:
        scores = {"global": assessment.score_global}
        sourced = self.context.setdefault("_sourced", {})
        referential_id = assessment.campaign.referential_id
        if referential_id not in sourced:
            sourced[referential_id] = compiled_referential(referential_id).model.has_sources
        if sourced[referential_id]:
            scores["care"] = assessment.score_care
        return scores


class PeerPositionSerializer(serializers.Serializer):
    """The position among comparable establishments, withheld below the peer minimum."""

    percentile = serializers.FloatField(
        allow_null=True,
        help_text="Share of comparable establishments scoring lower (0-100); null when withheld.",
    )
    count = serializers.IntegerField(
        source="peers",
        allow_null=True,
        help_text=f"Number of scored comparable establishments; null below {PEER_MINIMUM}.",
    )
    minimum = serializers.IntegerField(help_text="Scored peers needed to show the position.")
    withheld = serializers.ChoiceField(
        choices=Withheld.choices,
        allow_null=True,
        help_text="Why the position is withheld; null when shown.",
    )
    reason = serializers.CharField(
        allow_null=True, help_text="The same, as a sentence in French; null when shown."
    )


class AssessmentApiFilter(ApiFilterSet):
    year = IntegerFilter(field_name="campaign__year", min_value=2000, max_value=2100)
    region = django_filters.CharFilter(field_name="establishment__region_id")
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices)
    kind = django_filters.ChoiceFilter(field_name="establishment__kind", choices=Kind.choices)
    ght = django_filters.CharFilter(field_name="establishment__ght__code")

    class Meta:
        model = Assessment
        fields = ["year", "region", "status", "kind", "ght"]


def assessment_state(
    assessment: Assessment,
    *,
    scored: tuple[AssessmentResult, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The assessment as the API shows it, scored afresh from its answers.

    ``scored``: the result and answers a save has just computed (then nothing is re-read).
    """
    if scored is None:
        answers = answers_for_scoring(assessment)
        result = compute_result(assessment, answers=answers)
    else:
        result, answers = scored
    establishment = assessment.establishment
    return {
        "id": assessment.pk,
        "establishment": establishment.finess,
        "establishment_name": establishment.name,
        "kind": establishment.kind,
        "year": assessment.campaign.year,
        "status": assessment.status,
        "version": assessment.version,
        "reference_date": assessment.effective_reference_date().isoformat(),
        "answers": {code: answers[code] for code in result.statuses if code in answers},
        "na_reasons": na_reasons_of(assessment) if NOT_APPLICABLE_VALUE in answers.values() else {},
        "scores": result.scores,
        "gaps": _gaps_with_resources(assessment, result),
        "headline": result.headline,
        "counts": result.counts,
        # A save passes its fresh score; a read ranks the stored one, as the peers' are.
        "peers": PeerPositionSerializer(
            _peer_position(assessment, result, fresh=scored is not None)
        ).data,
    }


def _peer_position(assessment: Assessment, result: AssessmentResult, *, fresh: bool):
    """The peer position on the score just computed (``fresh``: a save), else on the stored
    one: the snapshot's, as the viewset's query annotates it on the assessment (else read)."""
    care = by_care_score(assessment)
    if fresh:
        return peer_position(assessment, score=result.score_care if care else result.score_global)
    stored = "score_care" if care else "score_global"
    if hasattr(assessment, stored):
        return peer_position(assessment, score=getattr(assessment, stored))
    return peer_position(assessment)


def _gaps_with_resources(assessment: Assessment, result: AssessmentResult) -> list[dict]:
    """The gaps as the API gives them, each with the public resources that help close it."""
    cited = compiled_referential(assessment.campaign.referential_id).resources
    return [
        {
            **gap.as_dict(),
            "resources": [Resource.of(data).as_api() for data in cited.get(gap.requirement, ())],
        }
        for gap in result.gaps
    ]


def _answers_body(data: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The version and answers of a PATCH body, and the errors found in its shape."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        return 0, {}, {"detail": _("Le corps de la requête doit être un objet JSON.")}
    if not isinstance(data.get("na_reasons", {}), dict):
        errors["na_reasons"] = _(
            "« na_reasons » doit être un objet {code de l'exigence: motif de « non applicable »}."
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        errors["version"] = _("« version » doit être le numéro de version lu (entier positif).")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = _("« answers » doit être un objet {code de l'exigence: réponse}.")
    return version, answers, errors


# --- What the schema says of the bodies (documentation: the views build and read them) ----------

_SCORE = {"type": "number", "nullable": True, "minimum": 0, "maximum": 100}
_SCORES_BY_CODE = {"type": "object", "additionalProperties": _SCORE}


class GapSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    status = serializers.CharField()
    severity = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    weight = serializers.FloatField()
    care_action = serializers.CharField(allow_blank=True, allow_null=True)
    source = serializers.ChoiceField(
        choices=["plan", "funding_call", "portal"],
        required=False,
        help_text="Version 2 on: a plan target, a funding-call objective or a portal advice.",
    )
    source_ref = serializers.CharField(
        required=False, allow_null=True, help_text='The plan action ("3-3") or call ("D2:O1.C").'
    )
    resources = ResourceSerializer(many=True, help_text="The public resources that help.")


class AssessmentDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    establishment = serializers.CharField(help_text="FINESS ET")
    establishment_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    version = serializers.IntegerField(min_value=0)
    reference_date = serializers.DateField()
    answers = serializers.DictField(help_text=_("{code de l'exigence: réponse}"))
    na_reasons = serializers.DictField(
        child=serializers.CharField(),
        help_text=_("{code de l'exigence: motif donné avec « non applicable »}"),
    )
    scores = serializers.SerializerMethodField()
    gaps = GapSerializer(many=True)
    headline = serializers.DictField(child=serializers.BooleanField(allow_null=True))
    counts = serializers.DictField(child=serializers.IntegerField())
    peers = PeerPositionSerializer()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "global": {**_SCORE, "description": "Maturity score: every item."},
                "care": {
                    **_SCORE,
                    "description": "Version 2 on: the CaRE-targets score (plan and funding-call "
                    "items only); absent in version 1.",
                },
                "axes": _SCORES_BY_CODE,
                "objectives": _SCORES_BY_CODE,
                "domains": _SCORES_BY_CODE,
            },
            "required": ["global", "axes", "objectives", "domains"],
        }
    )
    def get_scores(self, state) -> dict:
        return state["scores"]


class AnswersPatchSerializer(serializers.Serializer):
    """The whole body is required, though the method is PATCH (answers not sent stay as they are)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value) -> None:
        """Never partial: both fields are always required."""

    version = serializers.IntegerField(
        min_value=0, help_text=_("La version lue : 409 si quelqu'un a enregistré depuis.")
    )
    answers = serializers.DictField(
        help_text=_("{code de l'exigence: réponse} ; null efface la réponse.")
    )
    na_reasons = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text=_(
            "{code de l'exigence: motif} pour les réponses « non applicable » envoyées ; "
            "obligatoire là où l'exigence l'exige."
        ),
    )


class AnswersConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = AssessmentDetailSerializer()


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AssessmentListSerializer
    lookup_value_regex = ID_PATTERN
    filterset_class = AssessmentApiFilter

    def get_queryset(self):
        return (
            Assessment.objects.for_user(self.request.user)
            .select_related("establishment__ght", "campaign")
            .annotate(
                score_global=F("snapshot__score_global"), score_care=F("snapshot__score_care")
            )
            .order_by("-campaign__year", "establishment__finess")
        )

    def get_object(self) -> Assessment:
        """The assessment of the URL through the person's scope (404 outside it): the list's
        query narrowed to one, or, without filters in the query string, its precompiled read."""
        if self.request.query_params:
            return super().get_object()
        try:
            assessment = assessment_in_scope(scope_of(self.request.user), int(self.kwargs["pk"]))
        except Assessment.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, assessment)
        return assessment

    @extend_schema(responses=AssessmentDetailSerializer)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(assessment_state(self.get_object()))

    @extend_schema(
        request={"application/json": AnswersPatchSerializer},
        responses={
            200: AssessmentDetailSerializer,
            400: OpenApiResponse(
                VALIDATION_ERROR, description=_("Réponses invalides : rien n'est enregistré.")
            ),
            403: OpenApiResponse(
                ERROR, description=_("Pas le droit d'écrire, ou auto-évaluation transmise.")
            ),
            409: OpenApiResponse(
                AnswersConflictSerializer,
                description=_("Version périmée : rien n'est enregistré ; l'état actuel suit."),
            ),
        },
    )
    @action(detail=True, methods=["patch"], url_path="answers")
    def answers(self, request: Request, pk=None) -> Response:
        # The assessment is read once, in the save's transaction, through the person's scope.
        scope = scope_of(request.user)
        version, answers, errors = _answers_body(request.data)
        if errors:
            self.get_object()  # 404 outside the scope
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            assessment, result, scored_on = save_answers_in_scope(
                scope=scope,
                pk=int(pk),
                answers=answers,
                expected_version=version,
                user=request.user,
                na_reasons=request.data.get("na_reasons") or {},
            )
        except NotInScope:
            raise Http404 from None
        except AssessmentLocked:
            return Response(
                {
                    "detail": _(
                        "L'auto-évaluation est transmise : ses réponses ne sont plus modifiables."
                    )
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        except StaleVersion:
            assessment = self.get_object()
            return Response(
                {
                    "detail": _(
                        "Quelqu'un a enregistré cette auto-évaluation entre-temps : rien n'a été "
                        "enregistré. Voici son état actuel."
                    ),
                    "current": assessment_state(assessment),
                },
                status=status.HTTP_409_CONFLICT,
            )
        except AnswersRejected as rejected:
            return Response(
                {
                    "detail": _("Réponses invalides : rien n'a été enregistré."),
                    "answers": rejected.errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(assessment_state(assessment, scored=(result, scored_on)))
