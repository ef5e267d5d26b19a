"""Request body parsers of the API."""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from care_portal.api_errors import BodyTooLarge


class JSONBodyParser(JSONParser):
    """Django REST framework's JSON parser, with a size limit and a 400 for bodies nested too deep.

    Django checks `DATA_UPLOAD_MAX_MEMORY_SIZE` for form bodies only; a JSON body is read here,
    never more than that limit (413 past it). Python's JSON decoder raises RecursionError (not a
    decoding error) past about a thousand nested brackets; unhandled, that was a server error.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            request = (parser_context or {}).get("request")
            declared = request.META.get("CONTENT_LENGTH") if request is not None else None
            if (
                declared
                and str(declared).isascii()
                and str(declared).isdigit()
                and int(declared) > limit
            ):
                raise BodyTooLarge(limit)
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise BodyTooLarge(limit)
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Corps JSON trop imbriqué : il ne peut pas être lu.")) from None
