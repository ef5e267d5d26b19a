"""Actions across campaigns: what is not done moves on, what was done is checked again.

When a campaign opens (``assessments.campaigns.on_assessments_opened``), each action of an earlier
campaign that is neither done nor abandoned, and not carried yet, is copied to the
establishment's new assessment with its log, its gaps mapped to the new version's requirements
(the version's ``code_map``; same code otherwise); the old one stays in its campaign, read-only.

A done action is not carried; if a gap it closed is a gap again in the new assessment, the plan
page flags it (``reappeared_gaps``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from actions.gaps import gap_codes
from actions.models import Action, ActionNote
from assessments.campaigns import on_assessments_opened
from assessments.models import Assessment, Campaign
from referential.models import ReferentialVersion, Requirement


def code_mapping(old: ReferentialVersion, new: ReferentialVersion) -> dict[str, str]:
    """Requirement code of ``old`` -> the code that continues it in ``new``."""
    new_codes = set(Requirement.objects.filter(referential=new).values_list("code", flat=True))
    old_codes = Requirement.objects.filter(referential=old).values_list("code", flat=True)
    mapping = {code: code for code in old_codes if code in new_codes}
    origin = (new.code_map or {}).get("from") or {}
    if old.pk != new.pk and origin.get("code") == old.code and origin.get("version") == old.version:
        mapping = {
            entry["from"]: entry["code"]
            for entry in new.code_map.get("codes", [])
            if entry.get("code") in new_codes
        }
    return mapping


def _open_earlier(establishment_ids: Iterable[int], year: int) -> QuerySet[Action]:
    return (
        Action.objects.open()
        .filter(
            assessment__establishment_id__in=list(establishment_ids),
            assessment__campaign__year__lt=year,
            carried_to__isnull=True,
        )
        .select_related("assessment__campaign__referential")
        .prefetch_related("gaps", "notes")
        .order_by("assessment__campaign__year", "pk")
    )


@transaction.atomic
def carry_over_actions(assessments: Iterable[Assessment]) -> list[Action]:
    """Copy the open actions of earlier campaigns onto these assessments; returns the copies.

    Idempotent: an action already carried is not carried again.
    """
    by_establishment = {a.establishment_id: a for a in assessments}
    if not by_establishment:
        return []
    some = next(iter(by_establishment.values()))
    campaign = Campaign.objects.select_related("referential").get(pk=some.campaign_id)
    new_ref = campaign.referential
    mappings: dict[int, dict[str, str]] = {}
    new_requirements = {r.code: r for r in Requirement.objects.filter(referential=new_ref)}
    copies = []
    for old in _open_earlier(by_establishment, campaign.year):
        target = by_establishment[old.assessment.establishment_id]
        old_ref = old.assessment.campaign.referential
        if old_ref.pk not in mappings:
            mappings[old_ref.pk] = code_mapping(old_ref, new_ref)
        mapping = mappings[old_ref.pk]
        old_codes = [r.code for r in old.gaps.all()]
        kept = [mapping[code] for code in old_codes if code in mapping]
        copy = Action.objects.create(
            assessment=target,
            title=old.title,
            owner_name=old.owner_name,
            owner_account=old.owner_account,
            due_on=old.due_on,
            cost_investment=old.cost_investment,
            cost_operating=old.cost_operating,
            funding=old.funding,
            status=old.status,
            carried_from=old,
            created_at=old.created_at,
            created_by=old.created_by,
        )
        copy.gaps.set([new_requirements[code] for code in kept])
        ActionNote.objects.bulk_create(
            ActionNote(
                action=copy,
                kind=note.kind,
                text=note.text,
                author=note.author,
                author_label=note.author_label,
                created_at=note.created_at,
            )
            for note in old.notes.all()
        )
        text = _("Reprise de la campagne %(year)s, non réalisée à sa clôture.") % {
            "year": old.assessment.campaign.year
        }
        dropped = [code for code in old_codes if code not in mapping]
        if dropped:
            text += " " + _("Écarts sans équivalent dans le référentiel %(label)s : %(codes)s.") % {
                "label": new_ref.label,
                "codes": ", ".join(dropped),
            }
        ActionNote.objects.create(action=copy, kind=ActionNote.Kind.CARRIED, text=text)
        copies.append(copy)
    return copies


def _on_opened(campaign: Campaign, assessments: QuerySet[Assessment]) -> None:
    carry_over_actions(list(assessments))


def register() -> None:
    on_assessments_opened(_on_opened)


# --- gaps that come back ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReappearedGap:
    """A gap of this assessment that a done action of an earlier campaign had closed."""

    action: Action
    code: str


def previous_plan_assessment(assessment: Assessment) -> Assessment | None:
    """The establishment's assessment of the latest earlier campaign."""
    return (
        Assessment.objects.filter(
            establishment_id=assessment.establishment_id,
            campaign__year__lt=assessment.campaign.year,
        )
        .select_related("campaign__referential")
        .order_by("-campaign__year")
        .first()
    )


def reappeared_gaps(assessment: Assessment) -> list[ReappearedGap]:
    """The done actions of the previous campaign whose gaps are gaps again here."""
    previous = previous_plan_assessment(assessment)
    if previous is None:
        return []
    done = list(
        Action.objects.filter(assessment=previous, status=Action.Status.DONE).prefetch_related(
            "gaps"
        )
    )
    if not done:
        return []
    mapping = code_mapping(previous.campaign.referential, assessment.campaign.referential)
    current = set(gap_codes(assessment))
    return [
        ReappearedGap(action=action, code=mapping[r.code])
        for action in done
        for r in action.gaps.all()
        if mapping.get(r.code) in current
    ]
