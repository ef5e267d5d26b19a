"""Funding sources of an action: own budget, FIR, other, or a CaRE funding call of the version.

The calls are the referential version's domains that have an arrêté (``arrete_date``): D1, D1BIS,
D2 and HOSPICONNECT in version 2; version 1 lists none. The funding calls file of a version is
refused unless it holds exactly these calls, by the same codes and arrêté dates
(``funding/calls_file.py``), so the action plan and the candidacies name the same calls.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from actions.models import (
    FUNDING_CALL_PREFIX,
    FUNDING_FIR,
    FUNDING_LABELS,
    FUNDING_OTHER,
    FUNDING_OWN,
)
from referential.models import ReferentialVersion
from referential.numbers import shown


def funding_calls(referential: ReferentialVersion) -> list[tuple[str, str]]:
    """(code, title) of the funding calls an action of this version may be paid by."""
    return [(d["code"], d["title"]) for d in referential.domains if d.get("arrete_date")]


def funding_choices(referential: ReferentialVersion) -> list[tuple[str, str]]:
    """The choices of a form's funding field ("" first: not decided yet)."""
    return [
        ("", _("À déterminer")),
        (FUNDING_OWN, str(FUNDING_LABELS[FUNDING_OWN])),
        *[(f"{FUNDING_CALL_PREFIX}{code}", title) for code, title in funding_calls(referential)],
        (FUNDING_FIR, str(FUNDING_LABELS[FUNDING_FIR])),
        (FUNDING_OTHER, str(FUNDING_LABELS[FUNDING_OTHER])),
    ]


def funding_problem(referential: ReferentialVersion, funding: str) -> str | None:
    """Why ``funding`` is not a funding source of this version, or None."""
    if funding in ("", FUNDING_OWN, FUNDING_FIR, FUNDING_OTHER):
        return None
    calls = [code for code, _title in funding_calls(referential)]
    if funding.startswith(FUNDING_CALL_PREFIX):
        code = funding[len(FUNDING_CALL_PREFIX) :]
        if code in calls:
            return None
        if not calls:
            return _("Ce référentiel ne connaît aucun appel à financement.")
        return _("Appel à financement inconnu « %(code)s » ; appels possibles : %(calls)s.") % {
            "code": shown(code),
            "calls": ", ".join(calls),
        }
    return _("Financement inconnu « %(value)s » : own, fir, other ou call:<code de l'appel>.") % {
        "value": shown(funding)
    }
