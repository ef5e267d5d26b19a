"""Demo campaigns: last year's, validated in the demo region, and this year's in every state.

Last year's may run on an earlier version of the referential than this year's; then about half
of this year's drafts in the demo region start from last year's answers, carried over as an RSSI
(and a GHT lead) would.

Answers go through `save_answers` and the workflow services, as an RSSI's and a director's would;
only the dates of last year's campaign are moved back afterwards, to read as last year's.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from assessments.answers import save_answers
from assessments.campaigns import open_campaign
from assessments.carry_over import carry_over_answers
from assessments.ej_level import holder_of
from assessments.evidence import add_link, add_note
from assessments.exercise_register import register_codes
from assessments.exercises import record_exercise
from assessments.models import Assessment, Campaign, CrisisExercise
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import kinds_of, recompute_snapshots
from assessments.workflow import reopen, submit, validate
from demo.answers import demo_answers
from establishments.models import Establishment, Role, User
from establishments.roles import grant_role
from referential.models import ReferentialVersion, Requirement
from referential.rules import NOT_APPLICABLE_VALUE

Status = Assessment.Status

# This year's campaign: the share of assessments left in each state.
# How the summary line names each state (auto-evaluations, feminine plural).
STATE_LABELS = {
    "not_started": "non commencées",
    "draft": "en brouillon",
    "carried": "reprises de la campagne précédente (brouillons)",
    "submitted": "transmises",
    "validated": "validées",
    "reopened": "rouvertes",
}
STATE_SHARES = [
    ("not_started", 0.20),
    ("draft", 0.35),
    ("submitted", 0.22),
    ("validated", 0.18),
    ("reopened", 0.05),
]


def _staff(establishment: Establishment) -> tuple[User, User]:
    """The RSSI and director of a demo establishment (accounts without a usable password)."""
    users = []
    for role, prefix in ((Role.RSSI, "rssi"), (Role.DIRECTOR, "direction")):
        holder = (
            User.objects.filter(
                role_assignments__role=role, role_assignments__establishment=establishment
            )
            .order_by("pk")
            .first()
        )
        if holder is None:
            holder, _assignment, _created = grant_role(
                email=f"{prefix}.{establishment.finess.lower()}@demo.care.fr",
                role=role,
                scope=establishment.finess,
            )
        users.append(User.objects.get(pk=holder.pk))
    return users[0], users[1]


# What a demo RSSI types when an item does not apply (version 2 asks for a reason).
DEMO_NA_REASON = "Activité non exercée par l'établissement (données de démonstration)."


def _answer(assessment: Assessment, user, *, rng, maturity, completeness, today) -> None:
    """Answer what this establishment is asked, follow-ups included when their condition holds."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    establishment = assessment.establishment

    def answer(spec):
        found = demo_answers(
            [spec], maturity=maturity, completeness=completeness, rng=rng, today=today
        )
        return found.get(spec.code)

    answers = compiled.model.answer_asked(
        answer,
        kinds=kinds_of(establishment.kind, establishment.ght_id),
        ght_support=establishment.is_ght_support,
    )
    _log_exercise(assessment, answers, compiled, rng=rng, today=today)
    holder = holder_of(assessment) if compiled.ej_level_codes else assessment
    if holder.pk != assessment.pk:
        # The legal entity's answers are given once, on its holding site's assessment: its RSSI
        # gives those still missing there, so that this site can be submitted.
        ej_answers = {
            code: answers.pop(code) for code in list(answers) if code in compiled.ej_level_codes
        }
        given = set(
            holder.answers.filter(value__isnull=False).values_list("requirement__code", flat=True)
        )
        missing = {code: value for code, value in ej_answers.items() if code not in given}
        if missing and holder.is_editable:
            save_answers(
                assessment=holder,
                answers=missing,
                expected_version=holder.version,
                user=_staff(holder.establishment)[0],
                na_reasons={
                    code: DEMO_NA_REASON for code, v in missing.items() if v == NOT_APPLICABLE_VALUE
                },
            )
    ght_level = {
        code: answers.pop(code) for code in list(answers) if code in compiled.ght_level_codes
    }
    if ght_level:
        # The GHT-level answers are the GHT lead's to give.
        save_answers(
            assessment=assessment,
            answers=ght_level,
            expected_version=assessment.version,
            user=_ght_lead(establishment.ght),
        )
    save_answers(
        assessment=assessment,
        answers=answers,
        expected_version=assessment.version,
        user=user,
        na_reasons={
            code: DEMO_NA_REASON for code, value in answers.items() if value == NOT_APPLICABLE_VALUE
        },
    )


def _log_exercise(assessment: Assessment, answers: dict, compiled, *, rng, today) -> None:
    """The exercise answers are never typed: the register gives them. When the demo answers say
    an exercise was held, it goes into the establishment's register (dated as answered)."""
    codes = register_codes(compiled, assessment.establishment)
    given = [answers.pop(code) for code in codes if code in answers]
    if not any(value is True or isinstance(value, str) for value in given):
        return
    dates = [date.fromisoformat(value) for value in given if isinstance(value, str)]
    held_on = max(dates) if dates else today - timedelta(days=rng.randrange(30, 500))
    establishment = assessment.establishment
    if CrisisExercise.objects.filter(establishment=establishment, held_on__lte=today).exists():
        return
    exercise = CrisisExercise.objects.create(
        establishment=establishment,
        held_on=held_on,
        kind=rng.choice(list(CrisisExercise.Kind.values)),
        scenario="Rançongiciel chiffrant le dossier patient informatisé un samedi soir.",
        lessons_learned=rng.random() < 0.7,
        created_by=_staff(establishment)[0],
    )
    # Logged when it was held, so that the assessments submitted since show it.
    CrisisExercise.objects.filter(pk=exercise.pk).update(
        created_at=timezone.make_aware(datetime.combine(held_on, time(18)))
    )


def _ght_lead(ght) -> User:
    """The lead of a demo GHT (an account without a usable password when none was seeded)."""
    holder = (
        User.objects.filter(role_assignments__role=Role.GHT, role_assignments__ght=ght)
        .order_by("pk")
        .first()
    )
    if holder is None:
        holder, _assignment, _created = grant_role(
            email=f"ght.{ght.code.lower()}@demo.care.fr", role=Role.GHT, scope=ght.code
        )
    return User.objects.get(pk=holder.pk)


def _attach_evidence(assessment: Assessment, rssi) -> None:
    """The RSSI's nomination and the committee's minutes, as a link and a note."""
    by_code = {
        r.code: r
        for r in Requirement.objects.filter(
            referential_id=assessment.campaign.referential_id, code__in=["GOV-RSSI", "GOV-COMITE"]
        )
    }
    if "GOV-RSSI" in by_code:
        add_link(
            assessment=assessment,
            requirement=by_code["GOV-RSSI"],
            url="https://intranet.etablissement-demo.fr/decisions/nomination-rssi.pdf",
            note="Décision de nomination signée par la direction",
            user=rssi,
        )
    if "GOV-COMITE" in by_code:
        add_note(
            assessment=assessment,
            requirement=by_code["GOV-COMITE"],
            note="Comptes rendus du comité de sécurité du SI, classés à la direction générale.",
            user=rssi,
        )


def _pick_state(rng: random.Random) -> str:
    draw, total = rng.random(), 0.0
    for state, share in STATE_SHARES:
        total += share
        if draw < total:
            return state
    return STATE_SHARES[-1][0]


def _carry_over(assessment: Assessment, rssi: User) -> None:
    """Start from last year's answers: the RSSI's, then the GHT lead's GHT-level ones."""
    people = [rssi]
    if assessment.establishment.is_ght_support:
        people.append(_ght_lead(assessment.establishment.ght))
    for person in people:
        fresh = Assessment.objects.select_related("establishment__ght", "campaign").get(
            pk=assessment.pk
        )
        carry_over_answers(assessment=fresh, user=person, expected_version=fresh.version)


def _fill(assessment, state, *, rng, today, reopener) -> None:
    """Bring one assessment to `state` the way its people would."""
    if state == "not_started":
        return
    rssi, director = _staff(assessment.establishment)
    if state == "carried":
        _carry_over(assessment, rssi)
        return
    maturity = rng.betavariate(2.5, 2)
    complete = state != "draft"
    _answer(
        assessment,
        rssi,
        rng=rng,
        maturity=maturity,
        completeness=1.0 if complete else rng.uniform(0.2, 0.8),
        today=today,
    )
    _attach_evidence(assessment, rssi)
    if not complete:
        return
    assessment.refresh_from_db()
    submit(assessment=assessment, user=rssi)
    if state in ("validated", "reopened"):
        validate(assessment=Assessment.objects.get(pk=assessment.pk), user=director)
    if state == "reopened":
        reopen(
            assessment=Assessment.objects.get(pk=assessment.pk),
            user=reopener,
            comment="Merci de préciser le budget numérique : le montant total semble incomplet.",
        )


def seed_campaigns(
    *,
    referential: ReferentialVersion,
    region: str,
    previous_referential: ReferentialVersion | None = None,
    forced: dict[str, str] | None = None,
    seed: int = 2026,
) -> str:
    """Last year's campaign (validated, demo region) and this year's (all states, everywhere).

    This year's runs on `referential`, last year's on `previous_referential` (default: the
    same). `forced` gives the state of some establishments (FINESS -> state), e.g. the demo
    accounts'; "carried" is a draft started from last year's answers (demo region only).
    """
    forced = forced or {}
    rng = random.Random(seed)
    today = timezone.localdate()
    this_year, last_year = today.year, today.year - 1
    national = User.objects.filter(role_assignments__role=Role.NATIONAL).order_by("pk").first()
    previous = _seed_previous(previous_referential or referential, region, last_year, rng=rng)
    current = open_campaign(
        year=this_year,
        referential=referential,
        opens_on=date(this_year, 9, 1),
        closes_on=date(this_year, 12, 31),
    ).campaign
    if current.assessments.filter(answers__isnull=False).exists():
        return f"{previous} ; campagne {this_year} déjà remplie"
    assessments = list(
        current.assessments.select_related("establishment__ght", "campaign").order_by(
            "establishment__finess"
        )
    )
    # The GHT supports first, so that the GHT-level answers exist when members are scored.
    assessments.sort(key=lambda a: not a.establishment.is_ght_support)
    states: dict[str, int] = {}
    _analyze()
    for done, assessment in enumerate(assessments, start=1):
        if done % 100 == 0:
            _analyze()
        establishment = assessment.establishment
        state = forced.get(establishment.finess) or _pick_state(rng)
        if establishment.is_ght_support:
            state = "draft" if state == "not_started" else state
        if state == "draft" and establishment.region_id == region and rng.random() < 0.5:
            state = "carried"
        _fill(assessment, state, rng=rng, today=today, reopener=national)
        states[state] = states.get(state, 0) + 1
    _seed_exercises(current, rng=rng, today=today)
    return f"{previous} ; campagne {this_year} : " + ", ".join(
        f"{count} {STATE_LABELS[state]}" for state, count in sorted(states.items())
    )


def _analyze() -> None:
    """Let PostgreSQL plan the next queries on the rows just written: the demo is written in
    one transaction, whose rows the statistics of the autovacuum never see; on tables that were
    never analysed, each save's grouped counts would be planned for empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _seed_previous(referential, region, year, *, rng) -> str:
    campaign = open_campaign(
        year=year,
        referential=referential,
        region=region,
        opens_on=date(year, 9, 1),
        closes_on=date(year, 12, 31),
    ).campaign
    if campaign.assessments.filter(answers__isnull=False).exists():
        return f"campagne {year} déjà remplie"
    submitted_on = date(year, 12, 15)
    assessments = list(
        campaign.assessments.filter(establishment__region_id=region).select_related(
            "establishment__ght", "campaign"
        )
    )
    for assessment in assessments:
        rssi, director = _staff(assessment.establishment)
        _answer(
            assessment,
            rssi,
            rng=rng,
            maturity=rng.betavariate(2, 2.5),
            completeness=1.0,
            today=submitted_on - timedelta(days=5),
        )
        assessment.refresh_from_db()
        submit(assessment=assessment, user=rssi)
        validate(assessment=Assessment.objects.get(pk=assessment.pk), user=director)
    moment = timezone.make_aware(datetime.combine(submitted_on, time(10)))
    campaign.assessments.update(
        reference_date=submitted_on,
        submitted_at=moment,
        validated_at=moment + timedelta(days=3),
    )
    recompute_snapshots(campaign.assessments.all())
    return f"campagne {year} : {len(assessments)} validées dans la région {region}"


def _seed_exercises(campaign: Campaign, *, rng, today) -> None:
    """A crisis exercise logged by a few RSSIs of draft assessments."""
    drafts = campaign.assessments.filter(
        Q(status=Status.DRAFT) & Q(answers__isnull=False)
    ).distinct()[:25]
    for assessment in drafts:
        if CrisisExercise.objects.filter(establishment=assessment.establishment).exists():
            continue
        rssi, _director = _staff(assessment.establishment)
        record_exercise(
            assessment=Assessment.objects.get(pk=assessment.pk),
            user=rssi,
            held_on=today - timedelta(days=rng.randrange(30, 300)),
            kind=rng.choice(list(CrisisExercise.Kind.values)),
            scenario="Rançongiciel chiffrant le dossier patient informatisé un samedi soir.",
            lessons_learned=rng.random() < 0.7,
            actions="Mise à jour de la fiche réflexe de la cellule de crise.",
        )
