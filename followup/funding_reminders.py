"""Reminders of the funding calls' stages, given by the daily reminder run (``send_reminders``).

- The establishments in a call: when the stage in which their candidacy's next move falls closes
  within ``NOTICE_DAYS``, the people who make that move are told — the filing establishment's
  RSSI and the GHT lead to declare the objectives, the director to sign the declaration.
- The ARS: when a call's instruction window closes within ``NOTICE_DAYS`` and candidacies of the
  region still wait for its decision, the region's ARS staff are told, once per call.

Each person is told once per stage (``FundingReminder``'s key), in the portal and by e-mail
unless they turned that kind off (``followup.notifications``). A stage whose closing day the call
file does not give is never reminded. ``NOTICE_DAYS`` is the portal's choice, not the plan's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from care_portal.formats import format_date
from establishments.models import Role, User
from followup.models import FundingReminder, NotificationKind
from followup.notifications import notify, people_with_role
from funding.models import Candidacy
from funding.services import closes_on, next_window

NOTICE_DAYS = 14
Stage = Candidacy.Stage


@dataclass
class Notice:
    kind: str
    key: str
    people: list[User]
    text: str


@dataclass
class FundingRun:
    due: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    new: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _closing_soon(stage: dict | None, today: date) -> date | None:
    day = closes_on(stage)
    if day is None or not today <= day <= today + timedelta(days=NOTICE_DAYS):
        return None
    return day


def _preparers(candidacy: Candidacy) -> list[User]:
    people = list(people_with_role(Role.RSSI, establishment_id=candidacy.establishment_id))
    if candidacy.ght_id:
        people += list(people_with_role(Role.GHT, ght_id=candidacy.ght_id))
    return people


def establishment_notices(today: date) -> list[Notice]:
    notices = []
    candidacies = Candidacy.objects.filter(
        stage__in=(Stage.VALIDATED, Stage.DECLARED)
    ).select_related("call", "establishment", "ght")
    for candidacy in candidacies:
        stage = next_window(candidacy)
        day = _closing_soon(stage, today)
        if day is None:
            continue
        values = {
            "call": candidacy.call.title,
            "code": candidacy.call.code,
            "applicant": candidacy.applicant_label,
            "stage": stage["label"],
            "date": format_date(day, long=True),
        }
        if candidacy.stage == Stage.VALIDATED:
            people = _preparers(candidacy)
            text = _(
                "Appel %(code)s (%(call)s) : l’étape « %(stage)s » se termine le %(date)s. "
                "Déclarez l’atteinte des objectifs de la candidature de %(applicant)s, avec "
                "les pièces demandées, avant cette date."
            )
        else:
            people = list(
                people_with_role(Role.DIRECTOR, establishment_id=candidacy.establishment_id)
            )
            text = _(
                "Appel %(code)s (%(call)s) : l’étape « %(stage)s » se termine le %(date)s. "
                "La déclaration de %(applicant)s attend votre signature avant cette date."
            )
        notices.append(
            Notice(
                kind=NotificationKind.FUNDING_STAGE,
                key=f"candidacy:{candidacy.pk}:{stage['code']}:{candidacy.stage}",
                people=people,
                text=text % values,
            )
        )
    return notices


def ars_notices(today: date) -> list[Notice]:
    waiting: dict[tuple[int, str], list[Candidacy]] = defaultdict(list)
    for candidacy in Candidacy.objects.filter(stage=Stage.SUBMITTED).select_related(
        "call", "region"
    ):
        waiting[(candidacy.call_id, candidacy.region_id)].append(candidacy)
    notices = []
    for (call_id, region_id), candidacies in sorted(waiting.items()):
        call = candidacies[0].call
        day = _closing_soon(call.stage("instruction"), today)
        if day is None:
            continue
        count = len(candidacies)
        text = ngettext(
            "Appel %(code)s (%(call)s) : l’instruction se termine le %(date)s ; "
            "%(count)s candidature de la région %(region)s attend votre décision.",
            "Appel %(code)s (%(call)s) : l’instruction se termine le %(date)s ; "
            "%(count)s candidatures de la région %(region)s attendent votre décision.",
            count,
        ) % {
            "code": call.code,
            "call": call.title,
            "date": format_date(day, long=True),
            "count": count,
            "region": candidacies[0].region.name,
        }
        people = list(
            User.objects.filter(
                is_active=True,
                role_assignments__role=Role.ARS,
                role_assignments__region_id=region_id,
            )
            .distinct()
            .order_by("email")
        )
        notices.append(
            Notice(
                kind=NotificationKind.FUNDING_INSTRUCT,
                key=f"call:{call_id}:region:{region_id}:instruction",
                people=people,
                text=text,
            )
        )
    return notices


def run_funding_reminders(*, today: date, dry_run: bool = False) -> FundingRun:
    """Tell each person concerned of the stages closing soon, once per stage."""
    run = FundingRun()
    for notice in [*establishment_notices(today), *ars_notices(today)]:
        people = {person.pk: person for person in notice.people}
        if not people:
            continue
        given = set(
            FundingReminder.objects.filter(key=notice.key, person_id__in=people).values_list(
                "person_id", flat=True
            )
        )
        fresh = [person for pk, person in people.items() if pk not in given]
        run.due[notice.kind] += len(people)
        run.new[notice.kind] += len(fresh)
        if dry_run or not fresh:
            continue
        with transaction.atomic():
            created = notify(kind=notice.kind, people=fresh, text=notice.text, assessment=None)
            FundingReminder.objects.bulk_create(
                [
                    FundingReminder(person_id=n.recipient_id, key=notice.key, notification=n)
                    for n in created
                ],
                ignore_conflicts=True,
            )
    return run
