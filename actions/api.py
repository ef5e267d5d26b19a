"""REST API of the action plan: ``/api/assessments/{id}/actions/`` and ``…/actions/{id}/``.

Read for everyone who sees the assessment, written by the establishment's RSSI through the same
services as the pages (400 names each bad field, nothing written; 403 for a role that reads).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from actions import services
from actions.agreement import agreed_action_ids
from actions.models import Action
from actions.priorities import ordered_actions
from actions.services import OWNER_MAX, REASON_MAX, TITLE_MAX
from assessments.models import Assessment
from care_portal.api_schema import ERROR, VALIDATION_ERROR

FUNDING_PATTERN = r"^(|own|fir|other|call:[A-Z][A-Z0-9]*)$"


class CostSerializer(serializers.Serializer):
    investment = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, coerce_to_string=False
    )
    operating = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, coerce_to_string=False
    )


class ActionSerializer(serializers.Serializer):
    """An action as the API shows it."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    gaps = serializers.ListField(child=serializers.CharField(), help_text="Requirement codes.")
    owner = serializers.CharField(allow_blank=True)
    owner_account = serializers.IntegerField(
        required=False,
        help_text="Id of the owner's account (a role at the establishment); absent when none.",
    )
    due_on = serializers.DateField(allow_null=True)
    cost_eur = CostSerializer()
    funding = serializers.CharField(allow_blank=True, help_text="own, fir, other or call:<code>")
    status = serializers.ChoiceField(choices=Action.Status.choices)
    abandon_reason = serializers.CharField(allow_blank=True)
    agreed_by_ars = serializers.BooleanField()
    rank = serializers.IntegerField(help_text="Place in the plan (1 first).")


class ActionWriteSerializer(serializers.Serializer):
    """The body of POST (``title`` and ``gaps`` required) and PATCH (any field)."""

    title = serializers.CharField(max_length=TITLE_MAX, min_length=1)
    gaps = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1)
    owner = serializers.CharField(max_length=OWNER_MAX, allow_blank=True, required=False)
    owner_account = serializers.IntegerField(allow_null=True, required=False)
    due_on = serializers.DateField(allow_null=True, required=False)
    cost_eur = CostSerializer(required=False)
    funding = serializers.RegexField(FUNDING_PATTERN, allow_blank=True, required=False)
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
    abandon_reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True, required=False)


def action_data(action: Action, *, agreed: set[int], rank: int) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "gaps": action.gap_codes,
        "owner": action.owner_name,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "cost_eur": {
            "investment": float(action.cost_investment)
            if action.cost_investment is not None
            else None,
            "operating": float(action.cost_operating)
            if action.cost_operating is not None
            else None,
        },
        "funding": action.funding,
        "status": action.status,
        "abandon_reason": action.abandon_reason,
        "agreed_by_ars": action.pk in agreed,
        "rank": rank,
        # Present when the owner has an account in the portal.
        **({"owner_account": action.owner_account_id} if action.owner_account_id else {}),
    }


def _assessment(request: Request, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.for_user(request.user).select_related(
            "establishment", "campaign__referential", "snapshot"
        ),
        pk=pk,
    )


def _plan(assessment: Assessment) -> list[dict[str, Any]]:
    agreed = agreed_action_ids(assessment)
    return [
        action_data(action, agreed=agreed, rank=rank)
        for rank, action in enumerate(ordered_actions(assessment), start=1)
    ]


def _one(assessment: Assessment, action_id: int) -> dict[str, Any]:
    for item in _plan(assessment):
        if item["id"] == action_id:
            return item
    raise AssertionError("the action belongs to the plan")


class _BodyError(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _fields(data: Any, *, partial: bool, assessment: Assessment) -> dict[str, Any]:
    """The service's fields from a JSON body; raises _BodyError with one message per field."""
    if not isinstance(data, dict):
        raise _BodyError({"detail": _("Le corps de la requête doit être un objet JSON.")})
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    required = () if partial else ("title", "gaps")
    for name in required:
        if name not in data:
            errors[name] = [_("Ce champ est obligatoire.")]
    for name in ("title", "gaps", "funding", "status", "abandon_reason"):
        if name in data:
            fields[name] = data[name]
    if "owner" in data:
        fields["owner_name"] = data["owner"]
    if "owner_account" in data:
        value = data["owner_account"]
        if value is None:
            fields["owner_account"] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            account = services.owner_accounts(assessment).filter(pk=value).first()
            if account is None:
                errors["owner_account"] = [
                    _(
                        "Ce compte n'a pas de rôle dans l'établissement : choisissez-en un qui en a un."
                    )
                ]
            fields["owner_account"] = account
        else:
            errors["owner_account"] = [
                _("« owner_account » est l'identifiant d'un compte ou null.")
            ]
    if "due_on" in data:
        value, parsed = data["due_on"], None
        if value is not None:
            try:
                parsed = date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None:
                errors["due_on"] = [_("La date cible s'écrit AAAA-MM-JJ.")]
        fields["due_on"] = parsed
    if "cost_eur" in data:
        cost = data["cost_eur"]
        if not isinstance(cost, dict) or set(cost) - {"investment", "operating"}:
            errors["cost_eur"] = [_("« cost_eur » est un objet {investment, operating}.")]
        else:
            for part, name in (("investment", "cost_investment"), ("operating", "cost_operating")):
                if part in cost:
                    if isinstance(cost[part], str):
                        errors[f"cost_eur.{part}"] = [_("Un coût est un nombre JSON.")]
                    else:
                        fields[name] = cost[part]
    for name in ("status", "abandon_reason"):
        if name in fields and not isinstance(fields[name], str):
            errors[name] = [_("Ce champ est un texte.")]
    if errors:
        raise _BodyError(errors)
    return fields


def _write(request: Request, assessment: Assessment, write) -> Response | None:
    try:
        write()
    except _BodyError as refused:
        return Response(refused.errors, status=status.HTTP_400_BAD_REQUEST)
    except services.ActionRefused as refused:
        errors = {
            ("owner" if k == "owner_name" else k.replace("cost_", "cost_eur.")): v
            for k, v in refused.errors.items()
        }
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    except PermissionDenied as denied:
        return Response({"detail": str(denied)}, status=status.HTTP_403_FORBIDDEN)
    return None


_READ_ONLY = OpenApiResponse(ERROR, description=_("Ce rôle lit le plan sans le modifier."))
_BAD = OpenApiResponse(VALIDATION_ERROR, description=_("Un champ au moins est refusé."))


@extend_schema(methods=["GET"], responses={200: ActionSerializer(many=True)}, summary="Action plan")
@extend_schema(
    methods=["POST"],
    request=ActionWriteSerializer,
    responses={201: ActionSerializer, 400: _BAD, 403: _READ_ONLY},
)
@api_view(["GET", "POST"])
def action_list(request: Request, pk: int) -> Response:
    """The assessment's action plan in priority order; POST adds an action (RSSI)."""
    assessment = _assessment(request, pk)
    if request.method == "GET":
        return Response(_plan(assessment))
    created: list[Action] = []

    def write():
        if not request.user.has_perm("actions.edit_plan", assessment):
            raise PermissionDenied(_("Seul le RSSI de l'établissement modifie le plan d'actions."))
        fields = _fields(request.data, partial=False, assessment=assessment)
        fields.pop("status", None)
        fields.pop("abandon_reason", None)
        created.append(
            services.create_action(
                assessment=assessment, user=request.user, request=request, **fields
            )
        )

    refused = _write(request, assessment, write)
    if refused is not None:
        return refused
    return Response(_one(assessment, created[0].pk), status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses={200: ActionSerializer})
@extend_schema(
    methods=["PATCH"],
    request=ActionWriteSerializer(partial=True),
    responses={200: ActionSerializer, 400: _BAD, 403: _READ_ONLY},
)
@extend_schema(methods=["DELETE"], responses={204: None, 403: _READ_ONLY})
@api_view(["GET", "PATCH", "DELETE"])
def action_detail(request: Request, pk: int, action_id: int) -> Response:
    """One action; PATCH changes the fields given, DELETE removes it (RSSI)."""
    assessment = _assessment(request, pk)
    action = get_object_or_404(Action, pk=action_id, assessment=assessment)
    if request.method == "GET":
        return Response(_one(assessment, action.pk))

    def write():
        if not request.user.has_perm("actions.edit_plan", assessment):
            raise PermissionDenied(_("Seul le RSSI de l'établissement modifie le plan d'actions."))
        if request.method == "DELETE":
            services.delete_action(action=action, user=request.user, request=request)
        else:
            fields = _fields(request.data, partial=True, assessment=assessment)
            services.update_action(action=action, user=request.user, request=request, **fields)

    refused = _write(request, assessment, write)
    if refused is not None:
        return refused
    if request.method == "DELETE":
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(_one(assessment, action.pk))
