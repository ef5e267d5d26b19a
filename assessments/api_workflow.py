"""REST API of the workflow: submit, validate, send back and reopen an assessment."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api import assessment_state
from assessments.models import Assessment
from assessments.views.scoped import form_url
from assessments.workflow import (
    SubmissionIncomplete,
    WorkflowError,
    reopen,
    send_back,
    submit,
    validate,
)


def _assessment(request: Request, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.for_user(request.user).select_related("establishment__ght", "campaign"),
        pk=pk,
    )


def _run(request: Request, pk: int, transition, **kwargs) -> Response:
    assessment = _assessment(request, pk)
    try:
        transition(assessment=assessment, user=request.user, request=request, **kwargs)
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


def _comment(request: Request) -> str:
    data = request.data if isinstance(request.data, dict) else {}
    comment = data.get("comment", "")
    return comment if isinstance(comment, str) else ""


@extend_schema(request=None, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def submit_assessment(request: Request, pk: int) -> Response:
    """Submit to the director; 400 lists the missing required answers."""
    return _run(request, pk, submit)


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def validate_assessment(request: Request, pk: int) -> Response:
    """The director validates a submitted assessment (body: optional ``comment``)."""
    return _run(request, pk, validate, comment=_comment(request))


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def send_back_assessment(request: Request, pk: int) -> Response:
    """The director sends a submitted assessment back to the RSSI (body: ``comment``)."""
    return _run(request, pk, send_back, comment=_comment(request))


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def reopen_assessment(request: Request, pk: int) -> Response:
    """The ARS or the national level reopens an assessment (body: ``comment``)."""
    return _run(request, pk, reopen, comment=_comment(request))
