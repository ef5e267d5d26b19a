"""The template filters of ``care_portal.formats``, registered once as template builtins
(``TEMPLATES`` in the settings): every page, the PDF and the e-mails use them without a
``{% load %}``.

    {{ 12.345|number }} → 12,3        {{ delta|number:"pts" }} → −4,5 pts
    {{ 34|score }} → 34,0 %           {{ 62.5|percent }} → 62,5 %     {{ 70|percent }} → 70 %
    {{ 1250000|amount }} → 1 250 000 €   {{ 2516582|file_size }} → 2,4 Mo
    {{ 19|count:"réponse|réponses" }} → 19 réponses   {{ 1|count:"réponse|réponses" }} → 1 réponse
    {{ day|short_date }} → 30/06/2025  {{ day|long_date }} → 30 juin 2025
    {{ moment|short_datetime }} → 30/06/2025 à 14:05  {{ moment|long_datetime }}
"""

from decimal import Decimal

from django import template

from care_portal import formats

register = template.Library()


def _figure(value):
    """A number, or None for what is not one (a missing variable renders as "")."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value


@register.filter
def number(value, unit: str = "") -> str:
    return formats.format_number(_figure(value), unit)


@register.filter
def file_size(value) -> str:
    return formats.format_file_size(value if isinstance(value, int) else None)


@register.filter
def count(value, nouns: str) -> str:
    """ "singular|plural": the count with its noun agreed."""
    singular, _, plural = nouns.partition("|")
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    return formats.format_count(number, singular, plural or singular)


@register.filter
def score(value) -> str:
    return formats.format_score(_figure(value))


@register.filter
def percent(value) -> str:
    return formats.format_percent(_figure(value))


@register.filter
def amount(value) -> str:
    return formats.format_amount(_figure(value))


@register.filter(expects_localtime=True)
def short_date(value) -> str:
    return formats.format_date(value) if value else ""


@register.filter(expects_localtime=True)
def long_date(value) -> str:
    return formats.format_date(value, long=True) if value else ""


@register.filter(expects_localtime=True)
def short_datetime(value) -> str:
    return formats.format_datetime(value) if value else ""


@register.filter(expects_localtime=True)
def long_datetime(value) -> str:
    return formats.format_datetime(value, long=True) if value else ""
