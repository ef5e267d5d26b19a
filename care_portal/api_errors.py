"""The API's errors are JSON, whatever went wrong: unknown paths, oversized bodies, throttling."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"

    def __init__(self, limit: int | None = None):
        if limit:
            detail = _("Corps de la requête trop volumineux : %(size)s octets au plus.") % {
                "size": f"{limit:,}".replace(",", "\u202f")
            }
        else:
            detail = _("Corps de la requête trop volumineux.")
        super().__init__(detail)


def exception_handler(exc, context):
    """Django REST framework's handler, plus Django's request-size refusals as JSON."""
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("Trop de champs dans le corps de la requête."))
    return drf_exception_handler(exc, context)


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any `/api/` path no endpoint answers: a JSON 404 rather than the HTML page.

    Paths that only lack their final slash are sent to it, as for the rest of the portal.
    """
    if request.method in {"GET", "HEAD"} and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            response = JsonResponse({"detail": _("Adresse déplacée.")}, status=301)
            query = request.META.get("QUERY_STRING", "")
            response["Location"] = request.path + "/" + (f"?{query}" if query else "")
            return response
    return JsonResponse({"detail": _("Adresse inconnue de l'API.")}, status=404)
