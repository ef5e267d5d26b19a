"""Request body parsers of the API."""

import io
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from care_portal.api_errors import BodyTooLarge
from referential.numbers import JSONRefused, load_json


class JSONBodyParser(JSONParser):
    """JSON bodies read by ``referential.numbers.load_json``, with a size limit and French 400s.

    Django checks `DATA_UPLOAD_MAX_MEMORY_SIZE` for form bodies only; a JSON body is read here,
    never more than that limit (413 past it). Nesting is bounded before parsing (Python's decoder
    raised RecursionError, a server error, past about a thousand brackets); number literals in
    scientific notation, NaN, infinities or too long are refused next to the value they were
    given for.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
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
            # The charset comes from the caller's Content-Type: a codec that is not a text
            # encoding ("rot13", "zlib"…) raises LookupError, a malformed body UnicodeError.
            return load_json(stream.read().decode(encoding))
        except (UnicodeError, LookupError):
            raise ParseError(_("Corps JSON illisible : il doit être encodé en UTF-8.")) from None
        except JSONRefused as refused:
            raise ParseError(refused.message) from None
        except json.JSONDecodeError as error:
            raise ParseError(
                _("Corps JSON invalide (ligne %(line)d, colonne %(col)d) : %(msg)s.")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ) from None
