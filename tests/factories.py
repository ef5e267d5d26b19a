"""factory_boy factories shared by the test suite."""

import factory

from actions.models import Action, TargetPlan
from assessments.models import Assessment, Campaign, ScoreSnapshot
from establishments.models import (
    GHT,
    Department,
    Establishment,
    Kind,
    Region,
    Role,
    RoleAssignment,
    User,
)
from establishments.validators import finess_number
from funding.models import STAGE_CODES, Candidacy, FundingCall
from referential.models import Axis, Objective, ReferentialVersion, Requirement


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Iterator(["84", "11", "93", "44", "76", "75"])
    name = factory.LazyAttribute(lambda o: f"Région {o.code}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{10 + n % 80:02d}")
    name = factory.LazyAttribute(lambda o: f"Département {o.code}")
    region = factory.SubFactory(RegionFactory)


class GHTFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GHT

    code = factory.Sequence(lambda n: f"GHT-{n:03d}")
    name = factory.Sequence(lambda n: f"GHT de test {n}")
    region = factory.SubFactory(RegionFactory)


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    department = factory.SubFactory(DepartmentFactory)
    region = factory.LazyAttribute(lambda o: o.department.region)
    finess = factory.Sequence(lambda n: finess_number("01", n + 1))
    finess_ej = factory.Sequence(lambda n: finess_number("01", 500000 + n))
    name = factory.Sequence(lambda n: f"Centre hospitalier {n}")
    kind = Kind.ES
    category_code = "355"
    category_label = "Centre Hospitalier (C.H.)"
    aggregated_category_code = "1102"
    aggregated_category_label = "Centres Hospitaliers"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.RSSI


def user_with_role(role: str, target=None, **user_kwargs) -> User:
    """A user holding one role over `target` (an establishment, a GHT, a region, or None)."""
    user = UserFactory(**user_kwargs)
    scope = {}
    if isinstance(target, Establishment):
        scope["establishment"] = target
    elif isinstance(target, GHT):
        scope["ght"] = target
    elif isinstance(target, Region):
        scope["region"] = target
    RoleAssignmentFactory(user=user, role=role, **scope)
    return User.objects.get(pk=user.pk)


# --- referential and assessments --------------------------------------------------------------


class ReferentialVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferentialVersion

    code = "TEST"
    version = factory.Sequence(lambda n: n + 1)
    title = "Référentiel de test"
    status = ReferentialVersion.Status.PUBLISHED


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    referential = factory.SubFactory(ReferentialVersionFactory)
    number = factory.Sequence(lambda n: n % 4 + 1)
    code = factory.LazyAttribute(lambda o: str(o.number))
    title = factory.LazyAttribute(lambda o: f"Axe {o.number}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    axis = factory.SubFactory(AxisFactory)
    referential = factory.LazyAttribute(lambda o: o.axis.referential)
    number = factory.Sequence(lambda n: n % 20 + 1)
    code = factory.LazyAttribute(lambda o: str(o.number))
    title = factory.LazyAttribute(lambda o: f"Objectif {o.number}")


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    objective = factory.SubFactory(ObjectiveFactory)
    referential = factory.LazyAttribute(lambda o: o.objective.referential)
    code = factory.Sequence(lambda n: f"REQ-{n:03d}")
    label = factory.LazyAttribute(lambda o: f"Exigence {o.code}")
    care_action = "2-1"
    applies_to = factory.LazyFunction(lambda: ["ES", "ESSMS"])
    rule = factory.LazyFunction(lambda: {"type": "boolean"})
    answer_type = factory.LazyAttribute(lambda o: o.rule["type"])
    weight = 1
    recommendation = "Mettre en place ce qui est demandé."
    order = factory.Sequence(lambda n: n)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ["year"]

    year = 2025
    referential = factory.SubFactory(ReferentialVersionFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    establishment = factory.SubFactory(EstablishmentFactory)
    campaign = factory.SubFactory(CampaignFactory)


class ScoreSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreSnapshot

    assessment = factory.SubFactory(AssessmentFactory)
    score_global = 50.0
    count_met = 1
    count_partial = 0
    count_not_met = 0
    count_not_applicable = 0
    # Progress as scoring writes it: every asked requirement not left unanswered.
    count_answered = factory.LazyAttribute(
        lambda o: o.count_met + o.count_partial + o.count_not_met + o.count_not_applicable
    )


def funding_stages(**dates) -> list[dict]:
    """The five stages of a call; `dates` gives (opens_on, closes_on) by stage code, else null."""
    return [
        {
            "code": code,
            "label": code.capitalize(),
            "opens_on": dates.get(code, (None, None))[0],
            "closes_on": dates.get(code, (None, None))[1],
            "source": "Test",
            "note": "Dates de test",
        }
        for code in STAGE_CODES
    ]


class FundingCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingCall

    referential = factory.SubFactory(ReferentialVersionFactory)
    code = factory.Sequence(lambda n: f"AF{n}")
    title = factory.LazyAttribute(lambda o: f"Appel {o.code}")
    plan = "Objectif 16 du plan"
    domain = "D2"
    source = "Test"
    stages = factory.LazyFunction(funding_stages)
    objectives = factory.LazyFunction(
        lambda: [
            {
                "code": "O1",
                "label": "Gouvernance",
                "threshold": "Atteinte",
                "threshold_source": "call",
                "requirements": ["GOV-COMITE"],
                "documents": [{"code": "compte_rendu", "label": "Compte rendu", "source": "Test"}],
                "source": "Test",
            }
        ]
    )


class CandidacyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidacy

    call = factory.SubFactory(FundingCallFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    ght = None
    finess_ej = factory.LazyAttribute(lambda o: o.establishment.finess_ej)
    region = factory.LazyAttribute(lambda o: o.establishment.region)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    assessment = factory.SubFactory(AssessmentFactory)
    title = factory.Sequence(lambda n: f"Action {n}")


class TargetPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetPlan

    assessment = factory.SubFactory(AssessmentFactory)
    target = "governance"
    status = TargetPlan.Status.AGREED
