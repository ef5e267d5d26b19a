"""Public or private, as the FINESS registry says it.

The registry keeps, as an establishment's legal status (`Establishment.legal_status`), the label
FINESS gives its participation in the public hospital service (`codesph` / `libsph` of the
extract; see `establishments.services`): code 1, "Etablissement public de santé", is a public
establishment; every other label is a private one (ESPIC, private with or without a public
service mission…); an empty label (code 0 "Non concerné", or none given) says nothing, and the
portal then does not know: such an establishment is counted apart ("statut inconnu"), never
guessed.

The PMSI reports of public hospitals are made per legal entity (FINESS EJ), those of private
ones per establishment (FINESS ET): that is what "maille PMSI" counts (care-targets.md).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PUBLIC = "public"
PRIVATE = "private"
UNKNOWN = "unknown"
SECTOR_LABELS = {PUBLIC: _("public"), PRIVATE: _("privé"), UNKNOWN: _("statut inconnu")}

# FINESS `libsph` of code 1, as the extract spells it and with its initial accent (both are
# found in registries filled by hand).
PUBLIC_LABELS = ("Etablissement public de santé", "Établissement public de santé")


def legal_sector(legal_status: str) -> str:
    """PUBLIC, PRIVATE or UNKNOWN for a registry legal status (see the module's note); the same
    rule as :func:`public_q` and :func:`unknown_status_q` in SQL."""
    if not legal_status:
        return UNKNOWN
    return PUBLIC if legal_status in PUBLIC_LABELS else PRIVATE


def public_q(prefix: str = "") -> Q:
    """Establishments whose legal status is public (`prefix` leads to the establishment)."""
    return Q(**{f"{prefix}legal_status__in": PUBLIC_LABELS})


def unknown_status_q(prefix: str = "") -> Q:
    """Establishments whose legal status the registry does not give."""
    return Q(**{f"{prefix}legal_status": ""})
