"""Loading the funding calls of a referential version from the file beside the version's file.

``load_referential PATH`` loads ``care-2026.yaml`` and then, in the same transaction, the calls of
``care-2026.funding-calls.yaml`` when that file exists: a bad calls file is refused whole with
its line numbers and the version is not loaded either. A call some candidacy refers to is never
changed: a change is published in a new referential version.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from funding.calls_file import parse_funding_calls
from funding.models import FundingCall
from referential.data import ReferentialFileError
from referential.loader import read_referential_file, section_file
from referential.models import ReferentialVersion

CALLS_KEY = "funding-calls"
FIELDS = (
    "title",
    "plan",
    "domain",
    "arrete_date",
    "amount_eur",
    "source",
    "stages",
    "prerequisites",
    "objectives",
    "ght_rule",
)


def calls_file(path: Path) -> Path:
    return section_file(path, CALLS_KEY)


def _stored(call: FundingCall) -> dict:
    values = {name: getattr(call, name) for name in FIELDS}
    values["arrete_date"] = call.arrete_date.isoformat() if call.arrete_date else None
    return {"code": call.code, **values}


def load_funding_calls(path: Path, referential: ReferentialVersion) -> str | None:
    """Check and store the calls beside ``path`` for ``referential``; a French summary, or None."""
    sibling = calls_file(Path(path))
    if not sibling.is_file():
        return None
    try:
        data = read_referential_file(sibling)
        calls = parse_funding_calls(
            data,
            requirements=set(referential.requirements.values_list("code", flat=True)),
            domains={
                domain.get("code"): domain.get("arrete_date")
                for domain in referential.domains or []
            },
        )
    except ReferentialFileError as error:
        raise ReferentialFileError(
            [f"{sibling.name} : {message}" for message in error.errors]
        ) from None
    return store_funding_calls(referential, calls, file_name=sibling.name)


def store_funding_calls(
    referential: ReferentialVersion, calls: list[dict], *, file_name: str = ""
) -> str:
    existing = {call.code: call for call in referential.funding_calls.all()}
    changed = []
    for order, values in enumerate(calls):
        call = existing.pop(values["code"], None)
        if call is not None and _stored(call) == values and call.order == order:
            continue
        if call is not None and call.candidacies.exists():
            changed.append(call.code)
            continue
        fields = {name: values[name] for name in FIELDS} | {"order": order}
        if call is None:
            FundingCall.objects.create(referential=referential, code=values["code"], **fields)
        else:
            FundingCall.objects.filter(pk=call.pk).update(**fields)
    for call in existing.values():
        if call.candidacies.exists():
            changed.append(call.code)
        else:
            call.delete()
    if changed:
        raise ReferentialFileError(
            [
                _(
                    "%(file)s : l'appel %(code)s a déjà des candidatures : il ne peut plus changer. "
                    "Publiez le changement dans une nouvelle version du référentiel."
                )
                % {"file": file_name, "code": code}
                for code in changed
            ]
        )
    return _("%(count)s appel(s) à financement chargé(s).") % {"count": len(calls)}
