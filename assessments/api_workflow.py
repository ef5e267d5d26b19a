"""REST API of the workflow: submit, validate, send back and reopen an assessment."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api import AssessmentDetailSerializer, assessment_state
from assessments.models import Assessment
from assessments.views.scoped import form_url
from assessments.workflow import (
    COMMENT_MAX_LENGTH,
    SubmissionIncomplete,
    WorkflowError,
    reopen,
    send_back,
    submit,
    validate,
)
from care_portal.api_schema import ERROR, VALIDATION_ERROR


def _assessment(request: Request, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.for_user(request.user).select_related("establishment__ght", "campaign"),
        pk=pk,
    )


def _run(request: Request, pk: int, transition, comment=None) -> Response:
    """Run one transition; `comment` reads the body's comment (after the scope check)."""
    assessment = _assessment(request, pk)
    kwargs = {}
    try:
        if comment is not None:
            kwargs["comment"] = comment(request)
        transition(assessment=assessment, user=request.user, request=request, **kwargs)
    except _BodyError as refused:
        return Response(refused.errors, status=status.HTTP_400_BAD_REQUEST)
    except SubmissionIncomplete as refused:
        return Response(
            {
                "detail": refused.message,
                "missing": [
                    {
                        "requirement": item.code,
                        "label": item.label,
                        "step": item.step,
                        "url": form_url(assessment, item.step, item.code),
                    }
                    for item in refused.missing
                ],
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    except WorkflowError as error:
        return Response({"comment": [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    except PermissionDenied as denied:
        return Response({"detail": str(denied)}, status=status.HTTP_403_FORBIDDEN)
    assessment.refresh_from_db()
    return Response(assessment_state(assessment))


class _BodyError(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _comment(request: Request) -> str:
    """The optional ``comment`` of the body; a body of another shape is refused (400)."""
    data = request.data
    if not hasattr(data, "get"):
        raise _BodyError({"detail": _("Le corps de la requête doit être un objet JSON.")})
    comment = data.get("comment", "")
    if not isinstance(comment, str):
        raise _BodyError({"comment": [_("Le commentaire doit être un texte.")]})
    return comment


# --- What the schema says of the bodies -------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH)


class RequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, help_text=_("Obligatoire : ce qui doit être repris.")
    )


class MissingAnswerSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    step = serializers.CharField()
    url = serializers.CharField()


class SubmissionIncompleteSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = MissingAnswerSerializer(many=True)


def _responses(bad_request) -> dict:
    return {
        200: AssessmentDetailSerializer,
        400: bad_request,
        403: OpenApiResponse(ERROR, description=_("Ce rôle ne fait pas cette transition.")),
    }


_BAD_COMMENT = OpenApiResponse(
    VALIDATION_ERROR, description=_("Commentaire manquant ou invalide, ou transition impossible.")
)


@extend_schema(
    request=None,
    responses=_responses(
        OpenApiResponse(
            SubmissionIncompleteSerializer, description=_("Réponses obligatoires manquantes.")
        )
    ),
)
@api_view(["POST"])
def submit_assessment(request: Request, pk: int) -> Response:
    """Submit to the director; 400 lists the missing required answers."""
    return _run(request, pk, submit)


@extend_schema(request=CommentSerializer, responses=_responses(_BAD_COMMENT))
@api_view(["POST"])
def validate_assessment(request: Request, pk: int) -> Response:
    """The director validates a submitted assessment (body: optional ``comment``)."""
    return _run(request, pk, validate, comment=_comment)


@extend_schema(request=RequiredCommentSerializer, responses=_responses(_BAD_COMMENT))
@api_view(["POST"])
def send_back_assessment(request: Request, pk: int) -> Response:
    """The director sends a submitted assessment back to the RSSI (body: ``comment``)."""
    return _run(request, pk, send_back, comment=_comment)


@extend_schema(request=RequiredCommentSerializer, responses=_responses(_BAD_COMMENT))
@api_view(["POST"])
def reopen_assessment(request: Request, pk: int) -> Response:
    """The ARS or the national level reopens an assessment (body: ``comment``)."""
    return _run(request, pk, reopen, comment=_comment)
