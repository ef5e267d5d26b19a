"""Campaigns: opening one (an assessment per establishment in scope) and carrying answers over.

Opening is idempotent: a second run with the same arguments creates nothing. Limiting it to a
region opens that region's assessments only; running it again for another region adds theirs to
the same campaign.

Carrying over (an assessment starting from the establishment's previous one, through the code
map between two versions of the referential) and its simulation live in
:mod:`assessments.carry_over`; their public names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.carry_over import (  # noqa: F401 - the carry-over's public names
    CarryOverError,
    CarryOverResult,
    carry_over_answers,
    carry_over_offer,
    has_answers,
    previous_assessment,
)
from assessments.models import Assessment, Campaign
from assessments.scoring.service import recompute_snapshots
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import Establishment, Region
from referential.models import ReferentialVersion

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
