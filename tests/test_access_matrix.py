"""The access matrix: every URL of the portal, for every role, inside and outside its scope.

`ROUTES` maps each URL name to how its arguments are built from an object and what each role
gets. Every role asks twice: once for an object inside its scope and once for the same kind of
object outside it (`INSIDE` / `OUTSIDE` below). Inside, the role gets what the table says;
outside, 403 or 404; and whatever the status, no response body names an establishment the role
may not see (name or FINESS). HTML pages that answer 200 must also respect the Content
Security Policy.

A URL name missing from the table fails `test_every_url_is_in_the_matrix`: adding a page means
saying here who may open it. The admin site is checked separately (staff only).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action, TargetPlan
from assessments.models import CrisisExercise, Evidence, ReportedIncident
from followup.models import (
    BulkReport,
    Notification,
    NotificationKind,
    Relaunch,
    RelaunchRecipient,
)
from tests.campaigns import build_campaign
from tests.factories import CandidacyFactory, FundingCallFactory
from tests.html_checks import csp_problems

ROLES = ["anonymous", "rssi", "director", "ght_lead", "ars", "national"]
USERS = ROLES[1:]

# The establishment each role asks about, inside and outside its scope (attributes of `world`).
INSIDE = {
    "anonymous": "hospital",
    "rssi": "hospital",
    "director": "hospital",
    "ght_lead": "clinic",
    "ars": "nursing_home",
    "national": "other_hospital",
}
OUTSIDE = {
    "anonymous": None,
    "rssi": "clinic",
    "director": "nursing_home",
    "ght_lead": "nursing_home",
    "ars": "other_hospital",
    "national": None,
}
# What each role may never see named anywhere.
NEVER_SHOWN = {
    "anonymous": ["hospital", "clinic", "nursing_home", "other_hospital"],
    "rssi": ["clinic", "nursing_home", "other_hospital"],
    "director": ["clinic", "nursing_home", "other_hospital"],
    "ght_lead": ["nursing_home", "other_hospital"],
    "ars": ["other_hospital"],
    "national": [],
}
# GHT-level objects: the GHT each role asks about.
GHT_INSIDE = dict.fromkeys(ROLES, "ght") | {"national": "other_ght"}
GHT_OUTSIDE = dict.fromkeys(ROLES, "other_ght") | {"national": None}

LOGIN = "login"  # a redirect to the sign-in page
DENIED = frozenset({403, 404})
API_ANONYMOUS = frozenset({401, 403})


@dataclass(frozen=True)
class Expect:
    """What a role gets: `inside` for an object in its scope, `outside` for one out of it."""

    inside: int | str | frozenset
    outside: int | frozenset = DENIED


OK = Expect(200)
NONE = Expect(DENIED, DENIED)
IN_SCOPE = {"anonymous": Expect(LOGIN, LOGIN)} | dict.fromkeys(USERS, OK)


def everyone(status=200, *, anonymous=LOGIN) -> dict[str, Expect]:
    return {"anonymous": Expect(anonymous, anonymous)} | {role: Expect(status) for role in USERS}


def only(roles: dict[str, Expect], *, anonymous=LOGIN) -> dict[str, Expect]:
    """The roles listed get what is said; every other role gets 403/404 inside and out."""
    return {"anonymous": Expect(anonymous, anonymous)} | {
        role: roles.get(role, NONE) for role in USERS
    }


def API_ONLY(roles: dict[str, Expect]) -> dict[str, Expect]:  # noqa: N802
    return only(roles, anonymous=API_ANONYMOUS)


def RSSI_WRITES(expect: Expect) -> dict[str, Expect]:  # noqa: N802
    """The RSSI gets `expect`; the roles that read it get 403 inside, 403/404 outside."""
    return only({"rssi": expect, **{r: Expect(403) for r in USERS if r != "rssi"}})


@dataclass
class Route:
    """How to call one URL name: its arguments from the asked-about object, and the expectations."""

    args: Callable[[Scenario, str, str], list] | None
    expect: dict[str, Expect]
    method: str = "get"
    query: dict | None = None
    body: Callable[[Scenario, str, str], Any] | None = None
    content_type: str | None = None
    scoped: bool = True  # False: the same object for everyone, nothing is outside
    note: str = ""


# --- The objects asked about ------------------------------------------------------------------


@dataclass
class Scenario:
    world: Any
    campaign: Any
    extra: dict = field(default_factory=dict)

    def establishment(self, role, side):
        name = (INSIDE if side == "inside" else OUTSIDE)[role]
        return getattr(self.world, name)

    def assessment(self, role, side):
        name = (INSIDE if side == "inside" else OUTSIDE)[role]
        return getattr(self.campaign, name)

    def ght(self, role, side):
        name = (GHT_INSIDE if side == "inside" else GHT_OUTSIDE)[role]
        return getattr(self.world, name)


def finess(s: Scenario, role, side):
    return [s.establishment(role, side).finess]


def assessment_pk(s: Scenario, role, side):
    return [s.assessment(role, side).pk]


def region_code(s: Scenario, role, side):
    return [s.establishment(role, side).region_id]


def region_and_call(s: Scenario, role, side):
    return [*region_code(s, role, side), "D2"]


def ght_code(s: Scenario, role, side):
    return [s.ght(role, side).code]


def relaunch_pk(s: Scenario, role, side):
    return [s.extra["relaunch"][s.establishment(role, side).region_id].pk]


def bulk_report_pk(s: Scenario, role, side):
    return [s.extra["bulk_report"][s.establishment(role, side).region_id].pk]


def notification_pk(s: Scenario, role, side):
    """The person's own notification inside; someone else's outside."""
    mine = s.world.rssi if role == "anonymous" else getattr(s.world, role)
    other = s.world.other_rssi if side == "outside" else mine
    return [s.extra["notification"][other.pk].pk]


def assessment_and_evidence(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    return [assessment.pk, s.extra["evidence"][assessment.pk].pk]


def assessment_and_exercise(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    return [assessment.pk, s.extra["exercise"][assessment.establishment_id].pk]


def assessment_and_incident(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    return [assessment.pk, s.extra["incident"][assessment.pk].pk]


def assessment_and_requirement(s: Scenario, role, side):
    return [s.assessment(role, side).pk, "GOV-COMITE"]


def assessment_and_action(action: str):
    def build(s: Scenario, role, side):
        return [s.assessment(role, side).pk, action]

    return build


def assessment_and_plan_action(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    return [assessment.pk, s.extra["action"][assessment.pk].pk]


def assessment_and_target(s: Scenario, role, side):
    return [s.assessment(role, side).pk, "governance"]


def call_code(s: Scenario, role, side):
    return ["D2"]


def candidacy_pk(s: Scenario, role, side):
    return [s.extra["candidacy"][s.establishment(role, side).pk].pk]


def call_and_candidacy(s: Scenario, role, side):
    return ["D2", *candidacy_pk(s, role, side)]


def referential_key(s: Scenario, role, side):
    referential = s.campaign.campaign.referential
    return [referential.code, referential.version]


def version_form(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    assessment.refresh_from_db()
    return {"version": assessment.version}


def comment_form(s: Scenario, role, side):
    return {"text": "À voir avec la direction."}


def assignee_form(s: Scenario, role, side):
    return {"assignee": s.world.director.pk}


def answers_patch(s: Scenario, role, side):
    assessment = s.assessment(role, side)
    assessment.refresh_from_db()
    return {"version": assessment.version, "answers": {"GOV-COMITE": "yes"}}


# --- The matrix ---------------------------------------------------------------------------------

ROUTES: dict[str, Route] = {
    # Sign-in and account security.
    "home": Route(None, everyone()),
    "login": Route(None, everyone(anonymous=200)),
    "accessibility": Route(None, everyone(anonymous=200), note="public statement"),
    "legal_notice": Route(None, everyone(anonymous=200), note="public legal notice"),
    "personal_data": Route(None, everyone(anonymous=200), note="public personal data notice"),
    "healthz": Route(None, everyone(anonymous=200), note="load balancer, no authentication"),
    "readyz": Route(None, everyone(anonymous=200), note="load balancer, no authentication"),
    "logout": Route(None, everyone(405), note="POST only"),
    "accounts:security": Route(None, everyone()),
    "accounts:verify": Route(None, everyone(302), note="already verified: back to the page"),
    "accounts:setup": Route(None, everyone(), note="enrol another application"),
    "accounts:recovery_codes": Route(None, everyone(405), note="POST only"),
    "accounts:disable": Route(None, everyone(405), note="POST only"),
    # Invitations: an ARS invites people of its region; the one-time link to set a password.
    "accounts:invite": Route(region_code, only({"ars": OK})),
    "accounts:set_password": Route(
        lambda s, role, where: ["MQ", "0-stale"],
        everyone(anonymous=200),
        scoped=False,
        note="a stale link: the page says so",
    ),
    # Identity providers: none is configured here, so their pages do not exist (test_oidc.py).
    **{
        name: Route(
            lambda s, role, where: ["proconnect"],
            everyone(404, anonymous=404),
            scoped=False,
            note="no provider configured",
        )
        for name in ("accounts:oidc_login", "accounts:oidc_callback", "accounts:oidc_logged_out")
    },
    # Registry.
    "establishments:list": Route(None, everyone()),
    "establishments:detail": Route(finess, everyone(anonymous=LOGIN) | dict.fromkeys(USERS, OK)),
    "establishments:regulatory": Route(
        finess,
        only({"rssi": Expect(403), "director": Expect(403), "ght_lead": Expect(403)})
        | {"ars": OK, "national": OK},
    ),
    # Dashboards and their exports.
    "dashboards:national": Route(None, only({"national": OK})),
    "dashboards:national_export": Route(None, only({"national": OK})),
    "dashboards:region": Route(region_code, only({"ars": OK, "national": OK})),
    "dashboards:region_export": Route(region_code, only({"ars": OK, "national": OK})),
    "dashboards:region_not_applicable": Route(region_code, only({"ars": OK, "national": OK})),
    "dashboards:funding_national": Route(call_code, only({"national": OK}), scoped=False),
    "dashboards:funding_national_export": Route(call_code, only({"national": OK}), scoped=False),
    "dashboards:funding_region": Route(region_and_call, only({"ars": OK, "national": OK})),
    "dashboards:funding_region_export": Route(region_and_call, only({"ars": OK, "national": OK})),
    "dashboards:region_incidents": Route(region_code, only({"ars": OK, "national": OK})),
    "dashboards:ght": Route(ght_code, only({"ght_lead": OK, "ars": OK, "national": OK})),
    "dashboards:ght_export": Route(ght_code, only({"ght_lead": OK, "ars": OK, "national": OK})),
    # Assessments: pages every role reads within its scope, actions only some may take.
    "assessments:mine": Route(None, everyone()),
    "assessments:form": Route(assessment_pk, IN_SCOPE),
    "assessments:status": Route(assessment_pk, IN_SCOPE),
    "assessments:history": Route(assessment_pk, IN_SCOPE),
    # What the ARS records for the establishment (the CPOM, 2-2): the ARS of the region only.
    "assessments:ars_answers": Route(assessment_pk, only({"ars": OK})),
    "assessments:review": Route(assessment_pk, IN_SCOPE),
    "assessments:transition": Route(
        assessment_and_action("submit"), only({"rssi": Expect(200)}), method="post"
    ),
    "assessments:carry_over": Route(
        assessment_pk,
        # Nothing to carry over here (no previous campaign): a message and back to the status
        # page, nothing written; with something to copy, save_answers refuses non-RSSIs (403).
        {"anonymous": Expect(LOGIN, LOGIN)} | dict.fromkeys(USERS, Expect(302)),
        method="post",
        body=version_form,
    ),
    # The preview of an assessment under the next version (here none follows: said on the page).
    "assessments:simulation": Route(
        assessment_pk,
        only(
            {
                "rssi": OK,
                "ars": OK,
                "national": OK,
                "director": Expect(403),
                "ght_lead": Expect(403),
            }
        ),
    ),
    "assessments:evidence": Route(assessment_pk, IN_SCOPE),
    "assessments:requirement_evidence": Route(assessment_and_requirement, IN_SCOPE),
    "assessments:evidence_download": Route(assessment_and_evidence, IN_SCOPE),
    "assessments:evidence_delete": Route(
        assessment_and_evidence, only({"rssi": Expect(302)}), method="post"
    ),
    "assessments:question": Route(assessment_and_requirement, IN_SCOPE),
    "assessments:question_comment": Route(
        assessment_and_requirement,
        only({"rssi": Expect(302), "director": Expect(302)}),
        method="post",
        body=comment_form,
    ),
    "assessments:question_assign": Route(
        assessment_and_requirement, only({"rssi": Expect(302)}), method="post", body=assignee_form
    ),
    "assessments:exercises": Route(assessment_pk, IN_SCOPE),
    "assessments:exercise_delete": Route(
        assessment_and_exercise, only({"rssi": Expect(302)}), method="post"
    ),
    "assessments:incidents": Route(assessment_pk, IN_SCOPE),
    "assessments:incident": Route(assessment_and_incident, IN_SCOPE),
    "assessments:export": Route(assessment_pk, IN_SCOPE),
    "assessments:import": Route(
        assessment_pk,
        # Everyone in scope may open the page; only the RSSI may send a file (here none: 400
        # with the form's error), others get 403.
        only({"rssi": Expect(400), **{r: Expect(403) for r in USERS if r != "rssi"}}),
        method="post",
        body=version_form,
    ),
    "assessments:workbook": Route(assessment_pk, IN_SCOPE),
    "assessments:workbook_download": Route(assessment_pk, IN_SCOPE),
    "assessments:workbook_confirm": Route(
        assessment_pk,
        # Only the RSSI may confirm a preview (here none: 400 with its message); others 403.
        only({"rssi": Expect(400), **{r: Expect(403) for r in USERS if r != "rssi"}}),
        method="post",
    ),
    "reports:assessment-report": Route(assessment_pk, IN_SCOPE),
    "reports:assessment-report-preview": Route(assessment_pk, IN_SCOPE),
    # Action plans: read in scope, written by the RSSI; the ARS of the region decides on plans.
    "actions:plan": Route(assessment_pk, IN_SCOPE),
    "actions:export": Route(assessment_pk, IN_SCOPE),
    "actions:agreement": Route(assessment_pk, IN_SCOPE),
    "actions:new": Route(assessment_pk, RSSI_WRITES(OK)),
    "actions:suggestions": Route(assessment_pk, RSSI_WRITES(OK)),
    "actions:edit": Route(assessment_and_plan_action, RSSI_WRITES(OK)),
    "actions:order_reset": Route(assessment_pk, RSSI_WRITES(Expect(302)), method="post"),
    "actions:note": Route(assessment_and_plan_action, RSSI_WRITES(Expect(302)), method="post"),
    "actions:delete": Route(assessment_and_plan_action, RSSI_WRITES(Expect(302)), method="post"),
    "actions:move": Route(assessment_and_plan_action, RSSI_WRITES(Expect(302)), method="post"),
    "actions:target_file": Route(
        assessment_and_target, RSSI_WRITES(Expect(302)), method="post", note="refused: met"
    ),
    "actions:target_decide": Route(
        assessment_and_target,
        only({"ars": Expect(302), **{r: Expect(403) for r in USERS if r != "ars"}}),
        method="post",
        note="no decision sent: a message and back",
    ),
    # Referential: the same for everyone signed in.
    "referential:index": Route(None, everyone()),
    "referential:ciso_library": Route(referential_key, everyone(), scoped=False),
    "referential-list": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "referential-detail": Route(referential_key, everyone(anonymous=API_ANONYMOUS), scoped=False),
    "referential-targets": Route(referential_key, everyone(anonymous=API_ANONYMOUS), scoped=False),
    "referential-milestones": Route(
        referential_key, everyone(anonymous=API_ANONYMOUS), scoped=False
    ),
    # Workflow through the API.
    "assessment-submit": Route(assessment_pk, API_ONLY({"rssi": Expect(400)}), method="post"),
    # A draft may not be validated, sent back or reopened: the roles who could get 403 inside.
    "assessment-validate": Route(assessment_pk, API_ONLY({"director": Expect(403)}), method="post"),
    "assessment-send-back": Route(
        assessment_pk, API_ONLY({"director": Expect(403)}), method="post"
    ),
    "assessment-reopen": Route(
        assessment_pk, API_ONLY({"ars": Expect(403), "national": Expect(403)}), method="post"
    ),
    # Follow-up: relaunches and bulk PDF reports, regional.
    "followup:relaunch_list": Route(region_code, only({"ars": OK, "national": OK})),
    "followup:relaunch_new": Route(region_code, only({"ars": OK, "national": OK})),
    "followup:relaunch_detail": Route(relaunch_pk, only({"ars": OK, "national": OK})),
    "followup:bulk_report_new": Route(region_code, only({"ars": OK, "national": OK})),
    "followup:bulk_reports": Route(None, everyone(), note="each person's own requests"),
    "followup:bulk_report_download": Route(bulk_report_pk, only({"ars": OK, "national": OK})),
    # Notifications: each person's own (someone else's is a 404).
    "followup:notifications": Route(None, everyone()),
    "followup:notification_read": Route(
        notification_pk, everyone(302), method="post", note="own only; another's: 404"
    ),
    "followup:notifications_read": Route(None, everyone(302), method="post"),
    "followup:notification_preferences": Route(None, everyone()),
    # Asking the GHT lead: in scope, a message and back home (only the support RSSI sends).
    "followup:ask_ght_lead": Route(
        assessment_pk,
        {"anonymous": Expect(LOGIN, LOGIN)} | dict.fromkeys(USERS, Expect(302)),
        method="post",
    ),
    # Funding calls: the calls for everyone; a candidacy in scope; moves decided by the service
    # (a refusal is a message and back to the page, nothing written).
    "funding:calls": Route(None, everyone()),
    "funding:call": Route(call_code, everyone(), scoped=False),
    "funding:apply": Route(call_code, everyone(302), method="post", scoped=False),
    "funding:candidacy": Route(candidacy_pk, IN_SCOPE),
    **{
        f"funding:{name}": Route(
            candidacy_pk,
            {"anonymous": Expect(LOGIN, LOGIN)} | dict.fromkeys(USERS, Expect(302)),
            method="post",
        )
        for name in ("candidacy_move", "candidacy_exception", "candidacy_documents")
    },
    "funding_reports:declaration": Route(candidacy_pk, IN_SCOPE),
    "funding:ght_shares": Route(ght_code, only({"ght_lead": OK, "ars": OK, "national": OK})),
    "funding-call-list": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "funding-call-detail": Route(call_code, everyone(anonymous=API_ANONYMOUS), scoped=False),
    "funding-candidacy-list": Route(
        call_code, everyone(anonymous=API_ANONYMOUS), scoped=False, note="the list is scoped"
    ),
    # An empty body: 400 with the reason for whoever sees the candidacy, 404 outside.
    "funding-candidacy-advance": Route(
        call_and_candidacy, API_ONLY(dict.fromkeys(USERS, Expect(400))), method="post"
    ),
    # Audit log.
    "audit:list": Route(None, only({"ars": OK, "national": OK})),
    # API.
    "api-root": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "api-schema": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "api-not-found": Route(
        lambda s, role, side: ["nope/"],
        dict.fromkeys(ROLES, Expect(404, 404)),
        scoped=False,
        note="unknown API paths: JSON 404 for everyone",
    ),
    "establishment-list": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "establishment-detail": Route(
        finess, dict.fromkeys(USERS, OK) | {"anonymous": Expect(API_ANONYMOUS, API_ANONYMOUS)}
    ),
    "assessment-list": Route(None, everyone(anonymous=API_ANONYMOUS)),
    "assessment-detail": Route(
        assessment_pk,
        dict.fromkeys(USERS, OK) | {"anonymous": Expect(API_ANONYMOUS, API_ANONYMOUS)},
    ),
    "assessment-actions": Route(
        assessment_pk,
        dict.fromkeys(USERS, OK) | {"anonymous": Expect(API_ANONYMOUS, API_ANONYMOUS)},
    ),
    "assessment-action": Route(
        assessment_and_plan_action,
        dict.fromkeys(USERS, OK) | {"anonymous": Expect(API_ANONYMOUS, API_ANONYMOUS)},
    ),
    "assessment-answers": Route(
        assessment_pk,
        only(
            {
                "rssi": OK,
                # Read-only roles see the assessment but may not write: 403 inside, 404 outside.
                "director": Expect(403),
                "ght_lead": Expect(403),
                "ars": Expect(403),
                "national": Expect(403),
            },
            anonymous=API_ANONYMOUS,
        ),
        method="patch",
        body=answers_patch,
        content_type="application/json",
    ),
}


# --- Running it -----------------------------------------------------------------------------------


def url_names() -> set[str]:
    """Every named URL of the project except the admin site's."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = pattern.namespace
                ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    raise AssertionError(f"URL pattern {pattern.pattern} has no name")
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns, None))


def test_every_url_is_in_the_matrix():
    names = url_names()
    missing = sorted(names - ROUTES.keys())
    stale = sorted(ROUTES.keys() - names)
    assert not missing, f"URLs with no line in the access matrix: {missing}"
    assert not stale, f"Access matrix lines for URLs that no longer exist: {stale}"


@pytest.fixture
def scenario(world, settings, tmp_path) -> Scenario:
    settings.MEDIA_ROOT = tmp_path
    campaign = build_campaign(world)
    extra = {
        "relaunch": {},
        "bulk_report": {},
        "evidence": {},
        "exercise": {},
        "incident": {},
        "action": {},
        "candidacy": {},
    }
    call = FundingCallFactory(referential=campaign.campaign.referential, code="D2")
    for name, ght in [
        ("hospital", world.ght),
        ("clinic", None),
        ("nursing_home", None),
        ("other_hospital", world.other_ght),
    ]:
        establishment = getattr(world, name)
        extra["candidacy"][establishment.pk] = CandidacyFactory(
            call=call, establishment=establishment, ght=ght
        )
    extra["notification"] = {
        person.pk: Notification.objects.create(
            recipient=person, kind=NotificationKind.SUBMITTED, text="À valider"
        )
        for person in (getattr(world, name) for name in (*USERS, "other_rssi"))
    }
    requirement = campaign.requirements["GOV-COMITE"]
    for name in ("hospital", "clinic", "nursing_home", "other_hospital"):
        assessment = getattr(campaign, name)
        establishment = getattr(world, name)
        extra["evidence"][assessment.pk] = Evidence.objects.create(
            assessment=assessment,
            requirement=requirement,
            kind=Evidence.Kind.FILE,
            file=ContentFile(b"%PDF-1.4 compte rendu du comite", name="compte-rendu.pdf"),
            original_name="compte-rendu.pdf",
            content_type="application/pdf",
            size=31,
        )
        extra["action"][assessment.pk] = Action.objects.create(
            assessment=assessment, title=f"Action de {establishment.name}"
        )
        TargetPlan.objects.create(
            assessment=assessment, target="governance", status=TargetPlan.Status.FILED
        )
        extra["exercise"][establishment.pk] = CrisisExercise.objects.create(
            establishment=establishment,
            held_on=timezone.localdate() - timedelta(days=30),
            kind=CrisisExercise.Kind.TABLETOP,
            scenario="Rançongiciel sur le DPI",
        )
        extra["incident"][assessment.pk] = ReportedIncident.objects.create(
            establishment=establishment,
            assessment=assessment,
            reported_on=timezone.localdate() - timedelta(days=3),
            reference=f"CS-{establishment.finess}",
            description="Messagerie chiffrée par un rançongiciel",
        )
    for region, ars, establishment in [
        (world.region, world.ars, world.hospital),
        (world.other_region, world.other_ars, world.other_hospital),
    ]:
        relaunch = Relaunch.objects.create(
            region=region,
            sender=ars,
            sender_label=ars.email,
            subject=f"Relance {region.name}",
            message="Merci de compléter votre auto-évaluation.",
        )
        RelaunchRecipient.objects.create(relaunch=relaunch, establishment=establishment)
        extra["relaunch"][region.code] = relaunch
        bulk = BulkReport.objects.create(
            requester=ars,
            region=region,
            campaign=campaign.campaign,
            status=BulkReport.Status.READY,
            report_count=1,
            expires_at=timezone.now() + timedelta(days=7),
        )
        bulk.establishments.add(establishment)
        bulk.file.save(f"rapports-{region.code}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        extra["bulk_report"][region.code] = bulk
    return Scenario(world=world, campaign=campaign, extra=extra)


def _client_for(role: str, world) -> Client:
    from tests.conftest import VerifiedClient

    client = VerifiedClient()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def _matches(status: int, response, expected) -> bool:
    if expected == LOGIN:
        return status == 302 and response["Location"].startswith(reverse("login"))
    if isinstance(expected, frozenset):
        return status in expected
    return status == expected


def _call(client: Client, route: Route, scenario: Scenario, name: str, role: str, side: str):
    args = route.args(scenario, role, side) if route.args else []
    url = reverse(name, args=args)
    kwargs = {}
    if route.body is not None and route.content_type == "application/json":
        kwargs = {
            "data": json.dumps(route.body(scenario, role, side)),
            "content_type": route.content_type,
        }
    elif route.body is not None:
        kwargs = {"data": route.body(scenario, role, side)}
    elif route.query:
        kwargs = {"data": route.query}
    return url, getattr(client, route.method)(url, **kwargs)


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _check(route: Route, scenario: Scenario, name: str, role: str, client) -> list[str]:
    failures = []
    world = scenario.world
    expect = route.expect[role]
    sides = ["inside"]
    if route.args is not None and route.scoped and OUTSIDE[role] is not None:
        sides.append("outside")
    for side in sides:
        expected = expect.inside if side == "inside" else expect.outside
        url, response = _call(client, route, scenario, name, role, side)
        status = response.status_code
        if not _matches(status, response, expected):
            failures.append(f"{side} {route.method.upper()} {url}: {status}, expected {expected}")
            continue
        body = _body_text(response)
        for hidden in NEVER_SHOWN[role]:
            establishment = getattr(world, hidden)
            for secret in (establishment.name, establishment.finess):
                if secret in body:
                    failures.append(f"{side} {url}: shows {hidden} ({secret})")
        if status == 200 and response.get("Content-Type", "").startswith("text/html"):
            problems = csp_problems(response)
            if problems:
                failures.append(f"{side} {url}: CSP {problems[:3]}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access(role, scenario):
    """One role through the whole matrix; each URL's writes are rolled back before the next."""
    client = _client_for(role, scenario.world)
    failures = []
    for name in sorted(ROUTES):
        with transaction.atomic():
            failures += [
                f"{name}: {failure}"
                for failure in _check(ROUTES[name], scenario, name, role, client)
            ]
            transaction.set_rollback(True)
    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_staff_only(role, world):
    client = _client_for(role, world)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:establishments_establishment_changelist")).status_code == 302


@pytest.mark.django_db
def test_admin_opens_for_staff_with_a_second_factor(world, admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == 200
    response = admin_client.get(reverse("admin:establishments_establishment_changelist"))
    assert response.status_code == 200
    assert world.other_hospital.name in response.text
