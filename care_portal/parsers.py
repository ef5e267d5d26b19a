"""Request body parsers of the API."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONBodyParser(JSONParser):
    """Django REST framework's JSON parser, with a 400 for bodies nested too deep to read.

    Python's JSON decoder raises RecursionError (not a decoding error) past about a thousand
    nested brackets; unhandled, that was a server error.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Corps JSON trop imbriqué : il ne peut pas être lu.")) from None
