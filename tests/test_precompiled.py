"""Queries built once and run again with new values give what the ORM gives, in one query.

The reads every API request makes (its token, its person's roles, the assessment through the
person's scope, the answers, the latest exercise, the peer counts) run SQL built once per shape
(``care_portal.precompiled``): for every role, inside and outside its scope, they find what
``for_user`` finds, and a role taken away or a token deleted counts at the next request.
"""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from assessments.exercise_register import latest_exercise
from assessments.models import Answer, Assessment, CrisisExercise, assessment_in_scope
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import answers_for_scoring
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Role, RoleAssignment, Scope, User, scope_of
from tests.campaigns import build_campaign
from tests.factories import (
    AssessmentFactory,
    EstablishmentFactory,
    ScoreSnapshotFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def people(world) -> dict[str, User]:
    """One person per kind of scope, and one holding several roles."""
    several = user_with_role(Role.RSSI, world.hospital)
    for target in (world.nursing_home, world.other_hospital):
        RoleAssignment.objects.create(user=several, role=Role.DIRECTOR, establishment=target)
    national_too = user_with_role(Role.NATIONAL)
    RoleAssignment.objects.create(user=national_too, role=Role.RSSI, establishment=world.clinic)
    superuser = user_with_role(Role.ARS, world.other_region, is_superuser=True)
    return {
        "national and RSSI": User.objects.get(pk=national_too.pk),
        "superuser and ARS of another region": superuser,
        "rssi": user_with_role(Role.RSSI, world.clinic),
        "director": user_with_role(Role.DIRECTOR, world.hospital),
        "ght": user_with_role(Role.GHT, world.ght),
        "ars": user_with_role(Role.ARS, world.region),
        "ars of another region": user_with_role(Role.ARS, world.other_region),
        "national": user_with_role(Role.NATIONAL),
        "several establishments": User.objects.get(pk=several.pk),
        "no role": UserFactory(),
    }


def test_the_scoped_read_finds_what_for_user_finds_for_every_role(world):
    campaign = build_campaign(world)
    ScoreSnapshotFactory(assessment=campaign.hospital, score_global=62.5, score_care=40.0)
    assessments = [campaign.hospital, campaign.clinic, campaign.nursing_home]
    assessments.append(campaign.other_hospital)
    for name, person in people(world).items():
        seen = set(Assessment.objects.for_user(person).values_list("pk", flat=True))
        for assessment in assessments:
            for lock in (False, True):
                with transaction.atomic():
                    try:
                        found = assessment_in_scope(scope_of(person), assessment.pk, lock=lock)
                    except Assessment.DoesNotExist:
                        found = None
                assert (found is not None) == (assessment.pk in seen), (name, assessment, lock)
                if found is None:
                    continue
                with CaptureQueriesContext(connection) as queries:
                    assert found.establishment == assessment.establishment
                    assert found.establishment.region_id == assessment.establishment.region_id
                    assert found.campaign.year == campaign.campaign.year
                    ght = found.establishment.ght
                    assert (ght.code if ght else None) == (
                        assessment.establishment.ght.code if assessment.establishment.ght else None
                    )
                assert not queries.captured_queries, "read with the assessment"
                stored = getattr(getattr(assessment, "snapshot", None), "score_global", None)
                assert found.score_global == stored
    with pytest.raises(Assessment.DoesNotExist):
        assessment_in_scope(Scope.of(everything=True), 10**12)


@pytest.mark.parametrize("establishments", [1, 6])
def test_one_query_whatever_the_size_of_the_scope(world, establishments):
    campaign = build_campaign(world)
    person = user_with_role(Role.RSSI, world.clinic)
    for _ in range(establishments - 1):
        RoleAssignment.objects.create(
            user=person, role=Role.RSSI, establishment=EstablishmentFactory()
        )
    person = User.objects.get(pk=person.pk)
    scope = scope_of(person)  # the roles: read once per request
    assert len(scope.establishment_ids) == establishments
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            found = assessment_in_scope(scope, campaign.clinic.pk)
        assert found.pk == campaign.clinic.pk
        assert len(queries.captured_queries) == 1


def test_a_role_taken_away_counts_at_the_next_request(world, client):
    campaign = build_campaign(world)
    person = user_with_role(Role.RSSI, world.clinic)
    token = Token.objects.create(user=person)
    url = f"/api/assessments/{campaign.clinic.pk}/"
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get(url, **headers).status_code == 200
    RoleAssignment.objects.filter(user=person).delete()
    assert client.get(url, **headers).status_code == 404
    RoleAssignment.objects.create(user=person, role=Role.RSSI, establishment=world.clinic)
    assert client.get(url, **headers).status_code == 200
    token.delete()
    assert client.get(url, **headers).status_code == 401


# PostgreSQL's JSON holds no NUL character.
texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)


def test_answers_read_back_as_the_orm_reads_them(world):
    campaign = build_campaign(world)
    compiled = compiled_referential(campaign.campaign.referential_id)
    own_codes = [
        code
        for code in campaign.requirements
        if code not in compiled.ght_level_codes | compiled.ej_level_codes
    ]

    @settings(max_examples=25, deadline=None)
    @given(values=st.lists(json_values.filter(lambda v: v is not None), min_size=1, max_size=4))
    def check(values):
        establishment = EstablishmentFactory(department=world.nursing_home.department)
        assessment = AssessmentFactory(establishment=establishment, campaign=campaign.campaign)
        Answer.objects.bulk_create(
            Answer(assessment=assessment, requirement=campaign.requirements[code], value=value)
            for code, value in zip(own_codes, values, strict=False)
        )
        orm = dict(
            Answer.objects.filter(assessment=assessment).values_list("requirement__code", "value")
        )
        assessment = Assessment.objects.select_related("establishment", "campaign").get(
            pk=assessment.pk
        )
        read = answers_for_scoring(assessment)
        assert {code: read.get(code, "absent") for code in orm} == orm
        assert [type(read[code]) for code in orm] == [type(value) for value in orm.values()]

    check()


def test_the_latest_exercise_is_a_date_up_to_the_reference_date(world):
    campaign = build_campaign(world)
    assessment = Assessment.objects.select_related("establishment").get(pk=campaign.clinic.pk)
    assert latest_exercise(assessment) is None
    today = timezone.localdate()
    for held_on in (today - timedelta(days=400), today - timedelta(days=20)):
        CrisisExercise.objects.create(
            establishment=assessment.establishment,
            held_on=held_on,
            kind="tabletop",
            scenario="Rançongiciel",
        )
    # Not yet held by the reference date: not counted.
    assessment.reference_date = today - timedelta(days=30)
    assert latest_exercise(assessment) == today - timedelta(days=400)
    assessment.reference_date = None  # a draft: today
    latest = latest_exercise(assessment)
    assert latest == today - timedelta(days=20)
    assert isinstance(latest, date)
    other = Assessment.objects.select_related("establishment").get(pk=campaign.hospital.pk)
    assert latest_exercise(other) is None


def test_lists_of_any_length_and_values_a_shape_does_not_use(world):
    campaign = build_campaign(world)
    # `year` is not in this query's SQL: its value changes nothing.
    ignored = PrecompiledQuery(
        Assessment, lambda pk, year: Assessment.objects.filter(pk=pk), pk=-1, year=-2
    )
    for year in (2025, 1999):
        assert [a.pk for a in ignored.instances(pk=campaign.clinic.pk, year=year)] == [
            campaign.clinic.pk
        ]
    query = PrecompiledQuery(
        Assessment, lambda ids: Assessment.objects.filter(pk__in=ids).order_by("pk"), ids=[-1]
    )
    with pytest.raises(TypeError, match="expected the values"):
        query.instances(pk=1)
    wanted = sorted([campaign.clinic.pk, campaign.hospital.pk, campaign.other_hospital.pk])
    for size in (1, 3, 2):
        assert [a.pk for a in query.instances(ids=wanted[:size])] == wanted[:size]
    assert query.instances(ids=[]) == []
    with pytest.raises(TypeError, match="cannot be None"):
        PrecompiledQuery(
            Assessment, lambda pk: Assessment.objects.filter(pk=pk), pk=None
        ).instances(pk=1)


def test_a_fixed_value_equal_to_a_stand_in_stays_fixed(world):
    campaign = build_campaign(world)
    named = user_with_role(Role.RSSI, world.clinic, first_name="")
    unnamed = user_with_role(Role.RSSI, world.clinic, first_name="Camille")
    tokens = {user: Token.objects.create(user=user).key for user in (named, unnamed)}
    # The query's own "" (the first name) is not the call's value, though the stand-in is "".
    query = PrecompiledQuery(
        Token, lambda key: Token.objects.filter(key=key).exclude(user__first_name=""), key=""
    )
    assert [t.user_id for t in query.instances(key=tokens[unnamed])] == [unnamed.pk]
    assert query.instances(key=tokens[named]) == []
    # Two stand-ins alike could not be told apart.
    alike = PrecompiledQuery(
        Assessment, lambda a, b: Assessment.objects.filter(pk=a, campaign_id=b), a=-1, b=-1
    )
    with pytest.raises(ValueError, match="differ"):
        alike.instances(a=campaign.clinic.pk, b=campaign.campaign.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks no row")
@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_is_refused_every_time(world):
    campaign = build_campaign(world)
    with transaction.atomic():
        assert assessment_in_scope(Scope.of(everything=True), campaign.clinic.pk, lock=True)
    for _ in range(2):
        with pytest.raises(TransactionManagementError):
            assessment_in_scope(Scope.of(everything=True), campaign.clinic.pk, lock=True)


def test_a_statement_runs_inside_a_larger_one_as_its_queryset_would(world):
    """The SQL and values a precompiled query hands out, wrapped in another statement, select
    what the QuerySet selects for those values, region by region; an empty shape gives None."""
    from establishments.models import Establishment

    EstablishmentFactory(region=world.region)
    by_region = PrecompiledQuery(
        Establishment,
        lambda region: Establishment.objects.filter(region_id=region).values("pk"),
        region="00",
    )
    for region in (world.region, world.other_region):
        alias, sql, params = by_region.statement(region=region.code)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608
            (found,) = cursor.fetchone()
        assert alias == "default"
        assert found == Establishment.objects.filter(region=region).count() > 0
    nothing = PrecompiledQuery(Establishment, lambda: Establishment.objects.none())
    assert nothing.statement() is None


def test_the_area_counts_agree_with_the_counts_over_a_queryset(world):
    """A region's (or the country's) action-plan figures, GHT-level counts and summary rows,
    read through SQL built once, are those counted over the same establishments."""
    from actions.figures import area_plan_counts, plan_counts
    from dashboards.figures import area_ght_requirement_counts, ght_requirement_counts
    from dashboards.summary import rebuild_summary, scope_q, stored_rows
    from establishments.models import GHT, Establishment
    from tests.factories import ActionFactory

    campaign = build_campaign(world)
    for assessment in (campaign.hospital, campaign.other_hospital, campaign.clinic):
        ActionFactory(assessment=assessment, due_on=date(2020, 1, 1))
    ScoreSnapshotFactory(assessment=campaign.hospital)
    rebuild_summary(campaign.campaign)
    today = timezone.localdate()
    codes = ["GHT-RSSI", "GHT-COMITE"]
    for region in (world.region, world.other_region, None):
        establishments = Establishment.objects.filter(is_active=True)
        ghts = GHT.objects.all()
        if region is not None:
            establishments = establishments.filter(region=region)
            ghts = ghts.filter(region=region)
        code = region.code if region else None
        assert area_plan_counts(campaign.campaign, today, code) == plan_counts(
            establishments, campaign.campaign, today
        )
        assert area_ght_requirement_counts(campaign.campaign, codes, code) == (
            ght_requirement_counts(ghts, campaign.campaign, codes)
        )
        assert stored_rows(campaign.campaign, region=code, known_built=False) == stored_rows(
            campaign.campaign, scope_q(region=region), known_built=False
        )
    assert area_plan_counts(campaign.campaign, today, world.region.code)


def test_a_json_value_of_the_query_itself_is_kept(world, campaign):
    """A JSON constant (wrapped for the driver on PostgreSQL) is the query's, not a call's."""
    hospital = campaign.hospital
    requirement = next(iter(campaign.requirements.values()))
    Answer.objects.create(assessment=hospital, requirement=requirement, value="yes")
    yes = PrecompiledQuery(
        Answer,
        lambda assessment: Answer.objects.filter(assessment_id=assessment, value="yes").values_list(
            "requirement_id", flat=True
        ),
        assessment=1,
    )
    assert yes.values(assessment=hospital.pk) == [(requirement.pk,)]
    assert yes.values(assessment=campaign.clinic.pk) == []
