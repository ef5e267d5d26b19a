"""REST API of the funding calls: the calls, and the candidacies in the caller's scope.

``GET /api/funding-calls/``, ``GET /api/funding-calls/{code}/``,
``GET/POST /api/funding-calls/{code}/candidacies/`` and
``POST /api/funding-calls/{code}/candidacies/{id}/advance/`` (400 with the French reason when the
move is refused; nothing changes then).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from care_portal.api_schema import ERROR
from funding.models import Candidacy, FundingCall
from funding.objectives import candidacy_status
from funding.workflow import (
    AMOUNT_DECIMALS,
    AMOUNT_DIGITS,
    COMMENT_MAX_LENGTH,
    CandidacyError,
    advance,
    apply,
    clean_requested_amount,
)

# The call's code in the paths, as the calls file spells it.
CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Z][A-Z0-9]{0,19}$",
    description="The call's code (D1, D2, HOSPICONNECT…)",
)

# --- The calls --------------------------------------------------------------------------------


class StageSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    opens_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    source = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class DocumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    source = serializers.CharField()


class CallObjectiveSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    threshold = serializers.CharField(required=False)
    threshold_source = serializers.CharField(required=False, help_text="call or portal")
    requirements = serializers.ListField(child=serializers.CharField())
    documents = DocumentSerializer(many=True)
    source = serializers.CharField()


class GHTRuleSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    activity_share_at_least = serializers.FloatField(help_text="percent of the GHT's activity")
    objectives = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()


class FundingCallSerializer(serializers.ModelSerializer):
    referential = serializers.CharField(source="referential.label")
    stages = StageSerializer(many=True)
    prerequisites = CallObjectiveSerializer(many=True)
    objectives = CallObjectiveSerializer(many=True)
    ght_rule = GHTRuleSerializer(allow_null=True)

    class Meta:
        model = FundingCall
        fields = [
            "code",
            "title",
            "plan",
            "domain",
            "arrete_date",
            "amount_eur",
            "source",
            "referential",
            "stages",
            "prerequisites",
            "objectives",
            "ght_rule",
        ]


def _call(code: str) -> FundingCall:
    return get_object_or_404(FundingCall.objects.current().select_related("referential"), code=code)


class FundingCallList(generics.ListAPIView):
    """The funding calls of the current referential versions, with stages and objectives."""

    serializer_class = FundingCallSerializer
    # A plain list, as for the headline targets: a handful of calls per referential version.
    pagination_class = None

    def get_queryset(self):
        return FundingCall.objects.current().select_related("referential")


class FundingCallDetail(APIView):
    @extend_schema(parameters=[CODE], responses=FundingCallSerializer)
    def get(self, request: Request, code: str) -> Response:
        """One funding call."""
        return Response(FundingCallSerializer(_call(code)).data)


# --- Candidacies ------------------------------------------------------------------------------


class MoveSerializer(serializers.Serializer):
    from_stage = serializers.CharField(source="from_stage_or_none", allow_null=True)
    to = serializers.CharField(source="to_stage")
    actor = serializers.CharField(source="actor_label")
    at = serializers.DateTimeField(source="created_at")
    comment = serializers.CharField(allow_blank=True)
    forced = serializers.BooleanField()
    exception_for = serializers.CharField(allow_blank=True)
    amount_eur = serializers.IntegerField(allow_null=True)


def _amount_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        min_value=0,
        coerce_to_string=False,
        allow_null=True,
        **kwargs,
    )


class RequestedAmountField(serializers.DecimalField):
    """The amount requested, a JSON number read by the portal's number rule (the call's
    envelope is checked when the candidacy is filed or declared)."""

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=AMOUNT_DIGITS,
            decimal_places=AMOUNT_DECIMALS,
            min_value=0,
            coerce_to_string=False,
            allow_null=True,
            required=False,
            help_text="Euros, to the cent; at most the call's envelope when it has one",
            **kwargs,
        )

    def to_internal_value(self, data):
        if isinstance(data, str):
            raise serializers.ValidationError(_("Un montant est un nombre JSON."))
        try:
            return clean_requested_amount(data, None)
        except CandidacyError as refused:
            raise serializers.ValidationError(refused.message) from None


class CandidacyObjectiveSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField(allow_null=True)
    documents_missing = serializers.ListField(child=serializers.CharField())


class CandidacySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.CharField()
    applicant = serializers.CharField(help_text="GHT code, or FINESS EJ of a legal entity")
    region = serializers.CharField(help_text="INSEE code")
    stage = serializers.ChoiceField(choices=Candidacy.Stage.choices)
    control_outcome = serializers.CharField(allow_blank=True)
    amount_requested_eur = _amount_field(help_text="Euros, to the cent; null when not given")
    amount_paid_eur = serializers.IntegerField(allow_null=True)
    eligible = serializers.BooleanField()
    history = MoveSerializer(many=True)
    prerequisites = CandidacyObjectiveSerializer(many=True)
    objectives = CandidacyObjectiveSerializer(many=True)


def candidacy_data(candidacy: Candidacy) -> dict:
    status_ = candidacy_status(candidacy)
    moves = list(candidacy.moves.all())
    for move in moves:
        move.from_stage_or_none = move.from_stage or None
    return CandidacySerializer(
        {
            "id": candidacy.pk,
            "call": candidacy.call.code,
            "applicant": candidacy.applicant,
            "region": candidacy.region_id,
            "stage": candidacy.stage,
            "control_outcome": candidacy.control_outcome,
            "amount_requested_eur": candidacy.amount_requested_eur,
            "amount_paid_eur": candidacy.amount_paid_eur,
            "eligible": status_.eligible,
            "history": moves,
            "prerequisites": status_.prerequisites,
            "objectives": status_.objectives,
        }
    ).data


class ApplySerializer(serializers.Serializer):
    applicant = serializers.CharField(
        max_length=20, help_text="GHT code, or FINESS EJ of a legal entity outside any GHT"
    )
    amount_requested_eur = RequestedAmountField()


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Candidacy.Stage.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH)
    amount_eur = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    amount_requested_eur = RequestedAmountField()
    outcome = serializers.ChoiceField(
        choices=Candidacy.Outcome.choices, required=False, allow_blank=True
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="ARS only, with a comment: outside the window or above the amount requested",
    )


REFUSED = OpenApiResponse(ERROR, description=_("Refusé : la raison, en français."))


def _body(serializer_class, request: Request):
    if not hasattr(request.data, "get"):
        return None, Response(
            {"detail": _("Le corps de la requête doit être un objet JSON.")},
            status=status.HTTP_400_BAD_REQUEST,
        )
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        return None, Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
    return serializer.validated_data, None


class CandidacyList(APIView):
    @extend_schema(parameters=[CODE], responses=CandidacySerializer(many=True))
    def get(self, request: Request, code: str) -> Response:
        """The call's candidacies in the caller's scope, with their history and objectives."""
        call = _call(code)
        candidacies = (
            Candidacy.objects.for_user(request.user)
            .filter(call=call)
            .select_related("call", "establishment", "ght")
            .order_by("pk")
        )
        return Response([candidacy_data(c) for c in candidacies])

    @extend_schema(
        parameters=[CODE],
        request=ApplySerializer,
        responses={201: CandidacySerializer, 400: REFUSED},
    )
    def post(self, request: Request, code: str) -> Response:
        """File a candidacy (the support's RSSI or the GHT lead; an entity's RSSI)."""
        call = _call(code)
        data, error = _body(ApplySerializer, request)
        if error:
            return error
        try:
            candidacy = apply(
                call,
                user=request.user,
                applicant=data["applicant"],
                amount_requested=data.get("amount_requested_eur"),
            )
        except CandidacyError as refused:
            return Response({"detail": refused.message}, status=status.HTTP_400_BAD_REQUEST)
        return Response(candidacy_data(candidacy), status=status.HTTP_201_CREATED)


class CandidacyAdvance(APIView):
    @extend_schema(
        parameters=[CODE],
        request=AdvanceSerializer,
        responses={200: CandidacySerializer, 400: REFUSED},
    )
    def post(self, request: Request, code: str, pk: int) -> Response:
        """Move the candidacy to the stage ``to``; 400 with the reason when refused."""
        candidacy = get_object_or_404(
            Candidacy.objects.for_user(request.user).filter(call__code=code), pk=pk
        )
        data, error = _body(AdvanceSerializer, request)
        if error:
            return error
        try:
            advance(
                candidacy,
                user=request.user,
                to=data["to"],
                comment=data.get("comment", ""),
                amount_eur=data.get("amount_eur"),
                amount_requested=data.get("amount_requested_eur"),
                outcome=data.get("outcome", ""),
                force=data.get("force", False),
            )
        except CandidacyError as refused:
            return Response({"detail": refused.message}, status=status.HTTP_400_BAD_REQUEST)
        candidacy.refresh_from_db()
        return Response(candidacy_data(candidacy))
