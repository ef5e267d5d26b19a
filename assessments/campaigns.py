"""Campaigns: opening one (an assessment per establishment in scope) and carrying answers over.

Opening is idempotent: a second run with the same arguments creates nothing. Limiting it to a
region opens that region's assessments only; running it again for another region adds theirs to
the same campaign.

Carrying over: an assessment with no answer yet may start from the establishment's previous
assessment. Nothing is copied unless the RSSI asks for it; the copy goes through ``save_answers``
like a form save, so it is validated, versioned and kept in the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.answers import save_answers
from assessments.ej_level import holder_of
from assessments.models import Answer, Assessment, Campaign
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import kinds_of, recompute_snapshots
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import Establishment, Region, User
from referential.models import ReferentialVersion
from referential.rules import NOT_APPLICABLE_VALUE, AnswerError

# Called with (campaign, the new assessments' queryset) inside open_campaign's transaction: the
# apps above (the action plans) register here in their AppConfig.ready; this module imports none.
_opened_listeners: list[Callable[[Campaign, Any], None]] = []


def on_assessments_opened(listener: Callable[[Campaign, Any], None]) -> None:
    """Have `listener` told of the assessments each opening creates (registered once)."""
    if listener not in _opened_listeners:
        _opened_listeners.append(listener)


class CampaignError(Exception):
    """The campaign cannot be opened as asked; the message says why, in French."""


@dataclass
class OpenCampaignResult:
    campaign: Campaign
    campaign_created: bool
    in_scope: int
    created: int

    @property
    def existing(self) -> int:
        return self.in_scope - self.created

    def summary(self) -> str:
        head = (
            _("Campagne %(year)s créée") if self.campaign_created else _("Campagne %(year)s")
        ) % {"year": self.campaign.year}
        return _(
            "%(head)s (référentiel %(referential)s) : %(created)d auto-évaluation(s) créée(s), "
            "%(existing)d déjà ouverte(s), %(in_scope)d établissement(s) actif(s) concerné(s)."
        ) % {
            "head": head,
            "referential": self.campaign.referential.label,
            "created": self.created,
            "existing": self.existing,
            "in_scope": self.in_scope,
        }


def resolve_referential(spec: str) -> ReferentialVersion:
    """``CODE`` (its latest published version) or ``CODE:VERSION``."""
    code, _sep, version = spec.partition(":")
    versions = ReferentialVersion.objects.filter(code=code.strip())
    if version:
        try:
            number = int(version)
        except ValueError:
            raise CampaignError(
                _("Version de référentiel invalide : « %(version)s ».") % {"version": version}
            ) from None
        found = versions.filter(version=number).first()
    else:
        found = versions.published().order_by("-version").first()
    if found is None:
        raise CampaignError(_("Référentiel introuvable : « %(spec)s ».") % {"spec": spec})
    return found


@transaction.atomic
def open_campaign(
    *,
    year: int,
    referential: ReferentialVersion,
    region: Region | str | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
    actor=None,
) -> OpenCampaignResult:
    """Create the campaign (if needed) and one assessment per active establishment in scope.

    ``region`` (a Region or its code) limits the new assessments to that region. Dates given
    for an existing campaign replace its dates; dates not given are left as they are (a new
    campaign opens today and closes on 31 December of its year by default).
    """
    if referential.status != ReferentialVersion.Status.PUBLISHED:
        raise CampaignError(
            _("Le référentiel %(label)s n'est pas publié : publiez-le avant d'ouvrir la campagne.")
            % {"label": referential.label}
        )
    region_code = region.pk if isinstance(region, Region) else region
    if region_code is not None and not Region.objects.filter(pk=region_code).exists():
        raise CampaignError(_("Région inconnue : « %(code)s ».") % {"code": region_code})
    campaign, created = Campaign.objects.get_or_create(
        year=year,
        defaults={
            "referential": referential,
            "opens_on": opens_on or timezone.localdate(),
            "closes_on": closes_on or date(year, 12, 31),
        },
    )
    if not created:
        if campaign.referential_id != referential.pk:
            raise CampaignError(
                _(
                    "La campagne %(year)s existe déjà avec le référentiel %(label)s : une "
                    "campagne ne change pas de référentiel."
                )
                % {"year": year, "label": campaign.referential.label}
            )
        changed = {
            name: value
            for name, value in (("opens_on", opens_on), ("closes_on", closes_on))
            if value is not None and getattr(campaign, name) != value
        }
        for name, value in changed.items():
            setattr(campaign, name, value)
        if changed:
            campaign.save(update_fields=list(changed))
    if campaign.opens_on and campaign.closes_on and campaign.opens_on > campaign.closes_on:
        raise CampaignError(_("La date d'ouverture doit précéder la date de clôture."))

    establishments = Establishment.objects.filter(is_active=True)
    if region_code is not None:
        establishments = establishments.filter(region_id=region_code)
    in_scope = list(establishments.values_list("pk", flat=True))
    already = set(
        Assessment.objects.filter(campaign=campaign, establishment_id__in=in_scope).values_list(
            "establishment_id", flat=True
        )
    )
    new = [
        Assessment(campaign=campaign, establishment_id=pk) for pk in in_scope if pk not in already
    ]
    if new:
        bulk_create_with_history(new, Assessment, batch_size=1000, default_user=actor)
        opened = Assessment.objects.filter(
            campaign=campaign, establishment_id__in=[a.establishment_id for a in new]
        )
        recompute_snapshots(opened)
        for listener in _opened_listeners:
            listener(campaign, opened)
    result = OpenCampaignResult(
        campaign=campaign, campaign_created=created, in_scope=len(in_scope), created=len(new)
    )
    if created or new:
        record_event(
            actor=actor,
            action=AuditAction.CAMPAIGN_OPEN,
            region=region_code,
            target=str(campaign),
            detail={
                "year": year,
                "referential": referential.label,
                "region": region_code,
                "created": result.created,
                "existing": result.existing,
            },
        )
    return result


# --- carrying the previous campaign's answers over ----------------------------------------------


class CarryOverError(Exception):
    """The answers cannot be carried over; the message says why, in French."""


@dataclass
class CarryOverResult:
    previous: Assessment
    copied: list[str] = field(default_factory=list)
    # Requirement code -> why the previous answer was not taken (gone, no longer valid…).
    skipped: dict[str, str] = field(default_factory=dict)


def has_answers(assessment: Assessment, requirement_ids: Iterable[int] | None = None) -> bool:
    """Whether the assessment has answers (among these requirements, when given)."""
    answers = Answer.objects.filter(assessment=assessment, value__isnull=False)
    if requirement_ids is not None:
        answers = answers.filter(requirement_id__in=list(requirement_ids))
    return answers.exists()


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The establishment's assessment of the latest earlier campaign that has answers."""
    return (
        Assessment.objects.filter(
            establishment_id=assessment.establishment_id,
            campaign__year__lt=assessment.campaign.year,
            answers__value__isnull=False,
        )
        .select_related("campaign")
        .order_by("-campaign__year")
        .distinct()
        .first()
    )


def carry_over_offer(assessment: Assessment) -> Assessment | None:
    """The previous assessment to offer as a starting point, when the offer makes sense."""
    if not assessment.is_editable:
        return None
    # Offered to the RSSI: GHT-level answers already given by the GHT lead do not count.
    compiled = compiled_referential(assessment.campaign.referential_id)
    own_ids = [
        rid for code, rid in compiled.id_by_code.items() if code not in compiled.ght_level_codes
    ]
    if has_answers(assessment, own_ids):
        return None
    return previous_assessment(assessment)


def carry_over_answers(
    *, assessment: Assessment, user: User, expected_version: int
) -> CarryOverResult:
    """Copy the previous campaign's answers onto an assessment that has none yet.

    Matching is by requirement code. An answer is left out when its requirement is gone, does
    not apply to this establishment, or is no longer valid under the new rule; the result says
    which and why. Only the answers this person may write are taken: the GHT lead takes the
    GHT-level ones, the RSSI the establishment's own. Raises CarryOverError, PermissionDenied, or
    what ``save_answers`` raises (nothing is written).
    """
    compiled = compiled_referential(assessment.campaign.referential_id)
    may_edit = user.has_perm("assessments.edit_answers", assessment)
    may_edit_ght = user.has_perm("assessments.edit_ght_answers", assessment)

    def writable(code: str) -> bool:
        return may_edit_ght if code in compiled.ght_level_codes else may_edit

    own_ids = [rid for code, rid in compiled.id_by_code.items() if writable(code)]
    if has_answers(assessment, own_ids):
        raise CarryOverError(
            _(
                "Cette auto-évaluation a déjà des réponses : rien n'a été repris, pour ne rien écraser."
            )
        )
    previous = previous_assessment(assessment)
    if previous is None:
        raise CarryOverError(_("Aucune réponse d'une campagne précédente à reprendre."))
    if not may_edit and not may_edit_ght:
        raise PermissionDenied
    old_codes = compiled_referential(previous.campaign.referential_id).code_by_id
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    reference_date = assessment.effective_reference_date()
    # Conditions aside: a follow-up is carried over with the answer it depends on.
    answerable = compiled.model.asked(None, kinds=kinds, ght_support=establishment.is_ght_support)
    asked = {spec.code for spec in answerable}
    result = CarryOverResult(previous=previous)
    holder = holder_of(assessment) if compiled.ej_level_codes else assessment
    answers: dict[str, Any] = {}
    rows = Answer.objects.filter(assessment=previous, value__isnull=False).values_list(
        "requirement_id", "value"
    )
    for requirement_id, value in rows:
        code = old_codes.get(requirement_id)
        spec = compiled.model.by_code.get(code)
        if spec is None:
            result.skipped[code] = _("exigence absente du référentiel de cette campagne")
            continue
        if code in compiled.ght_level_codes:
            if code not in asked:
                continue  # answered on the GHT support's assessment, not here
            if not may_edit_ght:
                if may_edit:
                    result.skipped[code] = _(
                        "exigence de niveau GHT, reprise par le responsable du GHT"
                    )
                continue
        elif not may_edit:
            continue  # the establishment's own answers, taken by its RSSI
        elif code not in asked:
            result.skipped[code] = _("ne s'applique plus à ce type d'établissement")
            continue
        if code in compiled.ej_level_codes and holder.pk != assessment.pk:
            result.skipped[code] = _(
                "exigence de l'entité juridique, renseignée sur l'auto-évaluation de %(site)s"
            ) % {"site": holder.establishment.name}
            continue
        try:
            answers[code] = compiled.model.rules[code].clean(
                value,
                reference_date=reference_date,
                not_applicable_allowed=spec.not_applicable_allowed,
            )
        except AnswerError as error:
            result.skipped[code] = error.message
            continue
        if answers[code] == NOT_APPLICABLE_VALUE and code in compiled.na_reason_codes:
            del answers[code]
            result.skipped[code] = _("« non applicable » demande désormais un motif : à renseigner")
    if not answers:
        raise CarryOverError(_("Aucune réponse de la campagne précédente n'est reprenable."))
    save_answers(
        assessment=assessment, answers=answers, expected_version=expected_version, user=user
    )
    result.copied = sorted(answers)
    return result
