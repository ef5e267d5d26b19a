"""Every page of the portal, for every role, in a real browser: axe-core finds no serious or
critical violation, and each page is screenshotted at desktop and mobile widths (see conftest).

The list of pages to visit is checked against the URL patterns: a new page that no role visits
here fails the test, unless it is listed in NOT_PAGES (POST-only endpoints and file downloads).
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.defaults import permission_denied, server_error
from django_otp.oath import TOTP
from openpyxl import load_workbook

from actions.agreement import file_target_plan, target_states
from actions.services import create_action
from assessments.answers import save_answers
from assessments.campaigns import open_campaign
from assessments.evidence import add_link, add_note
from assessments.exercises import record_exercise
from assessments.models import Assessment, CrisisExercise, ReportedIncident
from assessments.questions import add_comment
from assessments.workbook import build_workbook
from assessments.workflow import reopen, submit, validate
from demo import seed
from establishments.models import GHT, Establishment, Role, User
from establishments.roles import grant_role
from followup.selection import ALL_FILTERED
from followup.services import create_relaunch, request_bulk_report
from referential.loader import load_referential_file
from referential.models import Axis, Requirement
from tests.answers import given_by_ght_lead
from tests.e2e.conftest import DESKTOP, Visitor
from tests.e2e.test_journeys import complete_answers
from tests.factories import CandidacyFactory, FundingCallFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = seed.DEMO_PASSWORD

# URL names that are not pages a person reads, so no visit is expected.
NOT_PAGES = {
    # POST-only actions (they redirect, or answer 405 to a GET).
    "logout",
    "accounts:disable",
    # The OpenID Connect round trip: redirects to and from the identity provider (test_oidc.py).
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "accounts:oidc_logged_out",
    "assessments:transition",
    "assessments:carry_over",
    "assessments:workbook_confirm",
    "assessments:evidence_delete",
    "assessments:exercise_delete",
    "followup:notification_read",
    "followup:notifications_read",
    "followup:ask_ght_lead",
    "assessments:question_comment",
    "assessments:question_assign",
    "actions:note",
    "actions:delete",
    "actions:move",
    "actions:order_reset",
    "actions:target_file",
    "actions:target_decide",
    "funding:apply",
    "funding:candidacy_move",
    "funding:candidacy_exception",
    "funding:candidacy_documents",
    # File downloads (PDF, JSON, CSV/XLSX, ZIP, evidence files): read back by their own tests.
    "assessments:evidence_download",
    "assessments:export",
    "assessments:workbook_download",
    "reports:assessment-report",
    "referential:ciso_library",
    "dashboards:national_export",
    "dashboards:region_export",
    "dashboards:ght_export",
    "followup:bulk_report_download",
    "actions:export",  # the action plan as XLSX
    "dashboards:funding_national_export",  # a call's candidacies as CSV/XLSX
    "dashboards:funding_region_export",
    "funding_reports:declaration",  # a candidacy's declaration pack (ZIP)
    # Health checks for load balancers: JSON, read by tests/test_several_machines.py.
    "healthz",
    "readyz",
}
# URL prefixes outside the scope of this test: the JSON API and the Django admin.
NOT_PAGE_PREFIXES = ("api/", "admin/")


def page_patterns() -> dict[str, str]:
    """Every named URL pattern of the portal (name -> route), API and admin left out."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(part for part in (namespace, entry.namespace) if part) or None
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                route = prefix + str(entry.pattern)
                if route.startswith(NOT_PAGE_PREFIXES):
                    continue
                found[f"{namespace}:{entry.name}" if namespace else entry.name] = route

    walk(get_resolver(), "", None)
    return found


class Tour:
    """Visits pages as one person, checks each, and remembers which URL patterns were seen.

    A failed check is collected rather than raised, so that one run lists every page to fix.
    """

    def __init__(self, browser, base_url: str, name: str, seen: set, failures: list):
        self.context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        self.visitor = Visitor(page, base_url, name)
        self.page = page
        self.seen = seen
        self.failures = failures

    def check(self, label: str) -> None:
        with contextlib.suppress(Resolver404):  # the "page not found" page has no pattern
            self.seen.add(resolve(urlsplit(self.page.url).path).view_name)
        try:
            self.visitor.check(label)
        except AssertionError as error:
            self.failures.append(f"[{self.visitor.name}] {error}")

    def visit(self, path: str, label: str, *, status: int = 200) -> None:
        response = self.page.goto(self.visitor.base_url + path)
        assert response is not None and response.status == status, (
            f"{self.visitor.name} {path}: HTTP {response and response.status}"
        )
        self.check(label)

    def submit(self, button: str, *, scope=None) -> None:
        (scope or self.page).get_by_role("button", name=button, exact=True).first.click()
        self.page.wait_for_load_state("load")

    def sign_in(self, email: str, *, second_factor: bool = False) -> None:
        self.page.goto(self.visitor.base_url + "/accounts/login/")
        self.page.get_by_label("Adresse électronique").fill(email)
        self.page.get_by_label("Mot de passe").fill(PASSWORD)
        self.submit("Se connecter")
        if second_factor:
            assert "two-factor" in self.page.url
            self.check("double-authentification")
            code = TOTP(bytes.fromhex(seed.DEMO_TOTP_KEY), digits=6).token()
            self.page.locator("input[name=code]").first.fill(f"{code:06d}")
            self.page.locator("main button[type=submit]").first.click()
            self.page.wait_for_load_state("load")
        assert "login" not in self.page.url and "two-factor" not in self.page.url

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def portal(live_server):
    """The demo registry and accounts, and this year's campaign in the demo region with
    assessments in every state, evidence, an exercise, a relaunch and a bulk report."""
    seed.seed_registry()
    referential = load_referential_file(seed.REFERENTIAL_FILE).referential
    accounts = {}
    for account in seed.seed_people():
        accounts.setdefault(account.role, account)
    campaign = open_campaign(
        year=timezone.localdate().year, referential=referential, region=seed.DEMO_REGION
    ).campaign
    users = {role: User.objects.get(email=account.email) for role, account in accounts.items()}
    national = users["national"]
    hospital = Assessment.objects.get(
        campaign=campaign, establishment__finess=accounts["rssi"].scope
    )
    ght = GHT.objects.get(code=accounts["ght"].scope)

    # The demo hospital: a draft with the first axis answered, evidence and an exercise.
    first_axis = Axis.objects.filter(referential=referential).order_by("number").first()
    answers = complete_answers(hospital)
    codes_of_first_axis = set(
        Requirement.objects.filter(objective__axis=first_axis).values_list("code", flat=True)
    )
    first_answers = {code: value for code, value in answers.items() if code in codes_of_first_axis}
    save_answers(
        assessment=hospital,
        answers=given_by_ght_lead(hospital, first_answers),
        expected_version=hospital.version,
        user=users["rssi"],
    )
    hospital.refresh_from_db()
    rssi_requirement = Requirement.objects.get(referential=referential, code="GOV-RSSI")
    add_note(
        assessment=hospital,
        requirement=rssi_requirement,
        note="Décision de nomination signée, classée au secrétariat de direction.",
        user=users["rssi"],
    )
    add_link(
        assessment=hospital,
        requirement=rssi_requirement,
        url="https://intranet.example.org/rssi/nomination",
        note="Note de service",
        user=users["rssi"],
    )
    record_exercise(
        assessment=hospital,
        user=users["rssi"],
        held_on=timezone.localdate() - timedelta(days=60),
        kind=CrisisExercise.Kind.TABLETOP,
        scenario="Rançongiciel sur le dossier patient informatisé",
        lessons_learned=True,
        actions="Mettre à jour la fiche réflexe de bascule en mode dégradé.",
    )

    # Other establishments of the region, in each state, so that dashboards have figures.
    others = list(
        Assessment.objects.filter(campaign=campaign, establishment__region_id=seed.DEMO_REGION)
        .exclude(pk=hospital.pk)
        .select_related("establishment")
        .order_by("establishment__finess")[:8]
    )
    for index, assessment in enumerate(others):
        if index == 0:
            continue  # not started
        rssi = _rssi_of(assessment.establishment)
        save_answers(
            assessment=assessment,
            answers=given_by_ght_lead(assessment, complete_answers(assessment)),
            expected_version=assessment.version,
            user=rssi,
        )
        if index == 1:
            continue  # draft
        submit(assessment=Assessment.objects.get(pk=assessment.pk), user=rssi)
        if index in (2, 3):
            continue  # submitted
        director = _director_of(assessment.establishment)
        validate(assessment=Assessment.objects.get(pk=assessment.pk), user=director)
        if index == 4:
            reopen(
                assessment=Assessment.objects.get(pk=assessment.pk),
                user=users["ars"],
                comment="Merci de préciser le budget numérique : le total semble incomplet.",
            )
    submitted = Assessment.objects.get(pk=others[2].pk)
    validated = Assessment.objects.get(pk=others[5].pk)

    region = hospital.establishment.region
    relaunch = create_relaunch(
        sender=users["ars"],
        region=region,
        establishments=[hospital.establishment, others[0].establishment],
        subject="Auto-évaluation CaRE : il reste trois semaines",
        message="Bonjour,\n\nMerci de transmettre votre auto-évaluation avant la clôture.",
    )
    request_bulk_report(
        requester=users["ars"],
        region=region,
        campaign=campaign,
        establishments=[validated.establishment],
    )
    return {
        "accounts": accounts,
        "campaign": campaign,
        "hospital": hospital,
        "submitted": submitted,
        "validated": validated,
        "region": region,
        "ght": ght,
        "relaunch": relaunch,
        "axes": list(
            Axis.objects.filter(referential=referential)
            .order_by("number")
            .values_list("code", flat=True)
        ),
        "national": national,
    }


def _holder(establishment: Establishment, role: str, prefix: str) -> User:
    user, _assignment, _created = grant_role(
        email=f"{prefix}.{establishment.finess.lower()}@demo.care.fr",
        role=role,
        scope=establishment.finess,
    )
    return User.objects.get(pk=user.pk)


def _rssi_of(establishment):
    return _holder(establishment, Role.RSSI, "rssi")


def _director_of(establishment):
    return _holder(establishment, Role.DIRECTOR, "direction")


def test_every_page_is_accessible_for_every_role(portal, browser, live_server, tmp_path, settings):
    seen: set[str] = set()
    failures: list[str] = []
    accounts = portal["accounts"]
    hospital = portal["hospital"]
    submitted = portal["submitted"]
    validated = portal["validated"]
    region = portal["region"].code
    ght = portal["ght"].code
    axes = portal["axes"]

    def tour(name):
        return Tour(browser, live_server.url, name, seen, failures)

    # --- Signed out: the sign-in page, and its error message.
    anonymous = tour("anonyme")
    anonymous.visit("/accounts/login/", "connexion")
    anonymous.page.get_by_role("link", name="Accessibilité : non conforme").click()
    anonymous.page.wait_for_load_state("load")
    anonymous.check("declaration-accessibilite")
    anonymous.visit("/mentions-legales/", "mentions-legales")
    anonymous.visit("/donnees-personnelles/", "donnees-personnelles")
    anonymous.page.goto(live_server.url + "/accounts/login/")
    anonymous.page.get_by_label("Adresse électronique").fill(accounts["rssi"].email)
    anonymous.page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    anonymous.submit("Se connecter")
    anonymous.check("connexion-erreur")
    # The sign-in page with both identity providers' buttons.
    settings.CARE_OIDC_PROVIDERS = {
        slug: {
            "discovery_url": f"http://127.0.0.1:9/{slug}/api/v2/.well-known/openid-configuration",
            "client_id": "care-portal",
            "client_secret": "secret",
        }
        for slug in ("proconnect", "prosanteconnect")
    }
    anonymous.visit("/accounts/login/", "connexion-fournisseurs-identite")
    assert anonymous.page.get_by_role("link", name="S’identifier avec ProConnect").is_visible()
    settings.CARE_OIDC_PROVIDERS = {}
    # The access refused and unexpected error pages, as Django's handlers render them.
    request = RequestFactory().get("/")
    for label, response in (
        ("acces-refuse", permission_denied(request, PermissionDenied())),
        ("erreur-inattendue", server_error(request)),
    ):
        anonymous.page.set_content(response.content.decode())
        anonymous.check(label)
    # The one-time link of an invitation: choose a password.
    invited = _holder(hospital.establishment, Role.RSSI, "invitation")
    uid = urlsafe_base64_encode(force_bytes(invited.pk))
    token = default_token_generator.make_token(invited)
    anonymous.visit(f"/accounts/password/{uid}/{token}/", "choisir-mot-de-passe")
    anonymous.close()

    # --- The RSSI of the demo hospital: a draft to fill.
    rssi = tour("rssi")
    rssi.sign_in(accounts["rssi"].email)
    rssi.check("accueil")
    rssi.visit("/assessments/mine/", "mes-auto-evaluations")
    for step in axes:
        rssi.visit(f"/assessments/{hospital.pk}/?step={step}", f"formulaire-axe-{step}")
    # A value the form refuses: the error summary and the field's message.
    rssi.page.goto(f"{live_server.url}/assessments/{hospital.pk}/?step={axes[0]}")
    rssi.page.locator('[id="id_GOV-RSSI__email"]').fill("pas-une-adresse")
    rssi.submit("Enregistrer")
    rssi.check("formulaire-erreurs")
    rssi.visit(f"/assessments/{hospital.pk}/status/", "statut-brouillon")
    rssi.visit(f"/assessments/{hospital.pk}/review/", "verifier-et-transmettre")
    rssi.visit(f"/assessments/{hospital.pk}/evidence/", "preuves")
    rssi.visit(f"/assessments/{hospital.pk}/evidence/GOV-RSSI/", "preuves-exigence")
    rssi.visit(f"/assessments/{hospital.pk}/exercises/", "exercices")
    rssi.visit(f"/assessments/{hospital.pk}/incidents/", "incidents")
    rssi.page.get_by_label("Référence du signalement").fill("CS-ACCESSIBILITE")
    rssi.submit("Enregistrer l’incident")
    rssi.check("incidents-erreurs")
    incident = ReportedIncident.objects.create(
        establishment=hospital.establishment,
        assessment=hospital,
        reported_on=timezone.localdate(),
        reference="CS-2026-0001",
        description="Rançongiciel sur la messagerie",
        reopening=ReportedIncident.Reopening.PROPOSED,
    )
    incident.affected.set(Requirement.objects.filter(referential=hospital.campaign.referential)[:2])
    rssi.visit(f"/assessments/{hospital.pk}/incidents/{incident.pk}/", "incident-proposition")
    rssi.visit(f"/assessments/{hospital.pk}/history/", "historique")
    rssi.visit(f"/assessments/{hospital.pk}/import/", "import")
    broken = tmp_path / "reponses.json"
    broken.write_text(json.dumps({"format": "inconnu"}), encoding="utf-8")
    rssi.page.locator("main input[type=file]").set_input_files(str(broken))
    rssi.page.locator("main form button[type=submit]").last.click()
    rssi.page.wait_for_load_state("load")
    rssi.check("import-erreur")
    rssi.visit(f"/assessments/{hospital.pk}/workbook/", "classeur-excel")
    rssi.page.locator("main input[type=file]").set_input_files(str(broken))
    rssi.page.locator("main form button[type=submit]").last.click()
    rssi.page.wait_for_load_state("load")
    rssi.check("classeur-erreur")
    workbook = load_workbook(
        io.BytesIO(build_workbook(hospital, User.objects.get(email=accounts["rssi"].email)))
    )
    sheet = workbook["Axe 1"]
    row = next(r for r in range(3, sheet.max_row + 1) if sheet[f"A{r}"].value == "GOV-COMITE")
    sheet[f"F{row}"] = "Non"
    filled = tmp_path / "classeur.xlsx"
    workbook.save(filled)
    rssi.page.locator("main input[type=file]").set_input_files(str(filled))
    rssi.page.locator("main form button[type=submit]").last.click()
    rssi.page.wait_for_load_state("load")
    rssi.check("classeur-apercu")
    # The action plan: a governance committee answered "no", an action closing that gap, and
    # the plan filed with the ARS for the CaRE target it leaves unmet.
    rssi_user = User.objects.get(email=accounts["rssi"].email)
    hospital.refresh_from_db()
    save_answers(
        assessment=hospital,
        answers={"GOV-COMITE": "no"},
        expected_version=hospital.version,
        user=rssi_user,
    )
    hospital.refresh_from_db()
    action = create_action(
        assessment=hospital,
        user=rssi_user,
        title="Créer le comité de sécurité numérique",
        gaps=["GOV-COMITE"],
        owner_name="Direction des systèmes d'information",
        due_on=timezone.localdate() + timedelta(days=90),
    )
    unmet = next(state for state in target_states(hospital) if state.met is False)
    file_target_plan(
        assessment=hospital,
        user=rssi_user,
        target=unmet.target.key,
        comment="Comité constitué d'ici la fin du trimestre.",
    )
    rssi.visit(f"/assessments/{hospital.pk}/actions/", "plan-actions")
    rssi.visit(f"/assessments/{hospital.pk}/actions/new/", "nouvelle-action")
    rssi.visit(f"/assessments/{hospital.pk}/actions/{action.pk}/", "modifier-action")
    rssi.visit(f"/assessments/{hospital.pk}/actions/suggestions/", "actions-proposees")
    rssi.visit(f"/assessments/{hospital.pk}/targets/", "plans-cibles")
    add_comment(
        assessment=hospital,
        requirement=Requirement.objects.get(
            referential=hospital.campaign.referential, code="GOV-COMITE"
        ),
        user=rssi_user,
        text="Le comité se réunira pour la première fois en mars : à confirmer avec la direction.",
    )
    rssi.visit(f"/assessments/{hospital.pk}/questions/GOV-COMITE/", "question-discussion")
    rssi.visit(f"/assessments/{hospital.pk}/report/", "rapport-ecran")
    rssi.visit("/establishments/", "etablissements")
    rssi.visit(f"/establishments/{hospital.establishment.finess}/", "etablissement")
    rssi.visit("/referential/", "referentiel")
    rssi.visit("/accounts/security/", "securite-du-compte")
    rssi.visit("/accounts/two-factor/setup/", "activer-double-authentification")
    rssi.visit("/etablissements/nulle-part/", "page-introuvable", status=404)
    rssi.close()

    # --- The director: the submitted assessment, read-only.
    director = tour("direction")
    director.sign_in(accounts["director"].email)
    director.check("accueil")
    director.visit("/assessments/mine/", "mes-auto-evaluations")
    director.visit(f"/assessments/{hospital.pk}/status/", "statut")
    director.visit(f"/assessments/{hospital.pk}/?step={axes[0]}", "formulaire-lecture")
    director.visit(f"/assessments/{hospital.pk}/report/", "rapport-ecran")
    director.visit(f"/assessments/{hospital.pk}/actions/", "plan-actions-lecture")
    director.visit("/followup/notifications/", "notifications")
    director.visit("/followup/notifications/preferences/", "preferences-notifications")
    director.close()

    # A funding call on this campaign's referential, and the GHT's candidacy to it.
    call = FundingCallFactory(
        referential=portal["campaign"].referential,
        code="D2",
        title="Appel D2 — sécurité numérique des établissements",
    )
    ght_object = portal["ght"]
    candidacy = CandidacyFactory(
        call=call,
        establishment=ght_object.support_establishment or hospital.establishment,
        ght=ght_object,
        region=portal["region"],
    )

    # --- The GHT lead: the GHT dashboard and the GHT-level items.
    lead = tour("ght")
    lead.sign_in(accounts["ght"].email)
    lead.check("accueil")
    lead.visit(f"/dashboards/ght/{ght}/", "tableau-de-bord-ght")
    lead.visit(f"/dashboards/ght/{ght}/?status=draft&sort=-score", "tableau-de-bord-ght-filtre")
    lead.visit(f"/assessments/{hospital.pk}/?step={axes[0]}", "formulaire-ght")
    lead.visit("/establishments/?kind=ES", "etablissements-filtre")
    lead.visit("/funding/", "appels-financement")
    lead.visit(f"/funding/calls/{call.code}/", "appel-financement")
    lead.visit(f"/funding/candidacies/{candidacy.pk}/", "candidature")
    lead.visit(f"/funding/ght/{ght}/activity-shares/", "parts-activite")
    lead.close()

    # --- The ARS, with its second factor: region, follow-up, audit, a validated assessment.
    ars = tour("ars")
    ars.sign_in(accounts["ars"].email, second_factor=True)
    ars.check("accueil")
    ars.visit(f"/dashboards/region/{region}/", "tableau-de-bord-regional")
    ars.visit(
        f"/dashboards/region/{region}/?kind=ES&status=validated&sort=-score",
        "tableau-de-bord-regional-filtre",
    )
    for step in axes:
        ars.visit(f"/assessments/{validated.pk}/?step={step}", f"formulaire-validee-axe-{step}")
    ars.visit(f"/assessments/{validated.pk}/status/", "statut-validee")
    ars.visit(f"/assessments/{submitted.pk}/status/", "statut-transmise")
    ars.visit(f"/assessments/{validated.pk}/evidence/", "preuves-lecture")
    ars.visit(f"/assessments/{validated.pk}/evidence/GOV-RSSI/", "preuves-exigence-lecture")
    ars.visit(f"/assessments/{validated.pk}/exercises/", "exercices-lecture")
    ars.visit(f"/assessments/{validated.pk}/incidents/", "incidents-lecture")
    ars.visit(f"/assessments/{validated.pk}/history/", "historique-lecture")
    ars.visit(f"/assessments/{validated.pk}/import/", "export-lecture")
    ars.visit(f"/assessments/{validated.pk}/simulation/", "simulation")
    ars.visit(f"/assessments/{validated.pk}/workbook/", "classeur-lecture")
    ars.visit(
        f"/followup/region/{region}/relaunches/new/?selection={ALL_FILTERED}&status=draft",
        "relance-redaction",
    )
    ars.visit(f"/followup/region/{region}/relaunches/", "relances")
    ars.visit(f"/followup/relaunches/{portal['relaunch'].pk}/", "relance")
    ars.visit(
        f"/followup/region/{region}/bulk-reports/new/?selection={ALL_FILTERED}&status=validated",
        "rapports-groupes-demande",
    )
    ars.visit("/followup/bulk-reports/", "rapports-groupes")
    ars.visit("/audit/", "journal-audit")
    ars.visit("/audit/?action=login", "journal-audit-filtre")
    ars.visit(f"/establishments/?region={region}", "etablissements")
    ars.visit(f"/establishments/{validated.establishment.finess}/", "etablissement")
    ars.visit(f"/establishments/{validated.establishment.finess}/regulatory/", "statut-nis2")
    ars.page.get_by_label("Statut NIS2").select_option("essential")
    ars.submit("Enregistrer le statut")
    ars.check("statut-nis2-erreur")
    ars.visit(f"/dashboards/region/{region}/?nis2=essential&ose=yes", "tableau-de-bord-nis2")
    ars.visit(f"/dashboards/region/{region}/incidents/", "incidents-region")
    ars.visit(f"/dashboards/region/{region}/not-applicable/", "non-applicable-region")
    ars.visit(f"/assessments/{validated.pk}/ars/", "reponses-ars")
    ars.visit(f"/assessments/{validated.pk}/report/", "rapport-ecran")
    ars.visit(f"/assessments/{hospital.pk}/targets/", "plans-cibles-agrement")
    ars.visit(f"/assessments/{hospital.pk}/actions/", "plan-actions-lecture")
    ars.visit(f"/funding/calls/{call.code}/", "appel-financement")
    ars.visit(f"/funding/candidacies/{candidacy.pk}/", "candidature-instruction")
    ars.visit(f"/dashboards/region/{region}/funding/{call.code}/", "pilotage-appel-region")
    ars.visit(f"/accounts/invite/{region}/", "inviter-une-personne")
    ars.visit("/accounts/security/", "securite-du-compte")
    ars.submit("Générer de nouveaux codes de secours")
    ars.check("codes-de-secours")
    ars.close()

    # --- The national level: the three dashboards.
    national = tour("national")
    national.sign_in(accounts["national"].email, second_factor=True)
    national.check("accueil")
    national.visit("/dashboards/national/", "tableau-de-bord-national")
    national.visit(
        f"/dashboards/national/?region={region}&kind=ESSMS&compare=budget",
        "tableau-de-bord-national-filtre",
    )
    national.visit(f"/dashboards/funding/{call.code}/", "pilotage-appel-national")
    national.visit("/audit/", "journal-audit")
    national.close()

    # --- The administrator (second factor too).
    admin = tour("admin")
    admin.sign_in("admin@demo.care.fr", second_factor=True)
    admin.check("accueil")
    admin.visit("/establishments/", "etablissements")
    admin.close()

    not_visited = sorted(set(page_patterns()) - NOT_PAGES - seen)
    assert not not_visited, f"Pages no role visited: {not_visited}"
    assert not failures, f"{len(failures)} pages with violations:\n\n" + "\n\n".join(failures)
