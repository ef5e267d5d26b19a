"""Requirements answered once per legal entity (``answered_at: EJ``, e.g. the digital budget).

A budget exists per legal entity (FINESS EJ), not per site. Such a requirement is answered once
for the EJ, on the assessment of the site that *holds* it, and every other site of the EJ shows
that answer read-only, with who gave it and from which site; each site is scored on it.

The holding site, for one campaign: among the EJ's establishments of the same kind that have an
assessment in the campaign, the one with the smallest FINESS ET. The rule depends on nothing a
person does (not on who answers first), so two sites never both write the EJ's answer, and the
same site holds it on every page, export and score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, QuerySet

from assessments.models import Answer, Assessment

# (FINESS EJ, kind) of a group of sites that share their EJ-level answers.
EJKey = tuple[str, str]


def ej_key(assessment: Assessment) -> EJKey:
    establishment = assessment.establishment
    return establishment.finess_ej, establishment.kind


def _holder_finess(campaign_id: int, keys: Iterable[EJKey]) -> dict[EJKey, str]:
    """(FINESS EJ, kind) -> the FINESS ET of the site holding its EJ-level answers."""
    keys = set(keys)
    if not keys:
        return {}
    rows = (
        Assessment.objects.filter(
            campaign_id=campaign_id,
            establishment__finess_ej__in={ej for ej, _kind in keys},
        )
        .values_list("establishment__finess_ej", "establishment__kind")
        .annotate(holder=Min("establishment__finess"))
    )
    return {(ej, kind): holder for ej, kind, holder in rows if (ej, kind) in keys}


def holder_of(assessment: Assessment) -> Assessment:
    """The assessment (same campaign) that holds the EJ-level answers of this site's EJ."""
    finess = _holder_finess(assessment.campaign_id, [ej_key(assessment)]).get(ej_key(assessment))
    if finess is None or finess == assessment.establishment.finess:
        return assessment
    return Assessment.objects.select_related("establishment").get(
        campaign_id=assessment.campaign_id, establishment__finess=finess
    )


def holds_ej_answers(assessment: Assessment) -> bool:
    return holder_of(assessment).pk == assessment.pk


def sites_sharing(assessment: Assessment) -> QuerySet[Assessment]:
    """The other assessments of the campaign scored on this site's EJ-level answers."""
    finess_ej, kind = ej_key(assessment)
    return Assessment.objects.filter(
        campaign_id=assessment.campaign_id,
        establishment__finess_ej=finess_ej,
        establishment__kind=kind,
    ).exclude(pk=assessment.pk)


def held_answers(assessment: Assessment, requirement_ids: Iterable[int]) -> dict[int, Answer]:
    """Requirement id -> the EJ's answer (with who gave it and on which site's assessment)."""
    requirement_ids = list(requirement_ids)
    if not requirement_ids:
        return {}
    holder = holder_of(assessment)
    rows = Answer.objects.filter(
        assessment=holder, requirement_id__in=requirement_ids
    ).select_related("updated_by", "assessment__establishment")
    return {answer.requirement_id: answer for answer in rows}


def ej_level_answers(
    *, campaign_id: int, keys: Iterable[EJKey], ids_to_codes: dict[int, str]
) -> dict[EJKey, dict[str, Any]]:
    """(FINESS EJ, kind) -> {code: value} of the EJ-level answers its holding site gave."""
    found: dict[EJKey, dict[str, Any]] = defaultdict(dict)
    if not ids_to_codes:
        return found
    holders = _holder_finess(campaign_id, keys)
    if not holders:
        return found
    key_of = {finess: key for key, finess in holders.items()}
    rows = Answer.objects.filter(
        assessment__campaign_id=campaign_id,
        assessment__establishment__finess__in=list(key_of),
        requirement_id__in=list(ids_to_codes),
        value__isnull=False,
    ).values_list("assessment__establishment__finess", "requirement_id", "value")
    for finess, requirement_id, value in rows:
        found[key_of[finess]][ids_to_codes[requirement_id]] = value
    return found
