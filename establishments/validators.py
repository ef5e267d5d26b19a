"""Validation of FINESS numbers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FINESS_LENGTH = 9


def luhn_is_valid(digits: str) -> bool:
    """True when the all-digit string passes the Luhn check (last digit is the key)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_key(body: str) -> str:
    """The digit that, written after the all-digit `body`, passes the Luhn check."""
    return next(key for key in "0123456789" if luhn_is_valid(body + key))


def finess_number(prefix: str, serial: int) -> str:
    """A valid all-digit FINESS number: the department prefix, the serial, then the Luhn key.

    For generated data (demo extract, tests, benchmarks); the prefix and serial fill 8 digits.
    """
    body = f"{prefix}{serial:06d}"[:8]
    return body + luhn_key(body)


def finess_error(value: str) -> str | None:
    """The French message explaining why `value` is not a FINESS number, or None if it is one."""
    if len(value) != FINESS_LENGTH:
        return _("Le numéro FINESS « %(value)s » doit comporter 9 caractères.") % {"value": value}
    if value.isascii() and value.isdigit():
        if not luhn_is_valid(value):
            return _("Le numéro FINESS « %(value)s » a une clé de contrôle invalide.") % {
                "value": value
            }
        return None
    # Corsican numbers start with 2A or 2B and carry no Luhn key.
    if value[:2] in {"2A", "2B"} and value[2:].isascii() and value[2:].isdigit():
        return None
    return _("Le numéro FINESS « %(value)s » contient des caractères invalides.") % {"value": value}


def validate_finess(value: str) -> None:
    """Django validator for a FINESS number (ET or EJ)."""
    message = finess_error(value)
    if message:
        raise ValidationError(message, code="invalid_finess")
