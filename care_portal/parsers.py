"""Request body parsers of the API."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from referential.numbers import JSONRefused, load_json


class JSONBodyParser(JSONParser):
    """JSON bodies read by ``referential.numbers.load_json``, with French 400s.

    Bodies larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are refused by Django before this reads
    them. Nesting is bounded before parsing
    (Python's decoder raised RecursionError, a server error, past about a thousand brackets);
    number literals in scientific notation, NaN, infinities or too long are refused next to the
    value they were given for.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(stream.read().decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(_("Corps JSON illisible : il doit être encodé en UTF-8.")) from None
        except JSONRefused as refused:
            raise ParseError(refused.message) from None
        except json.JSONDecodeError as error:
            raise ParseError(
                _("Corps JSON invalide (ligne %(line)d, colonne %(col)d) : %(msg)s.")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ) from None
