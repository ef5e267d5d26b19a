"""Headline targets of version 2 counted over their own unit (care-targets.md, section 1).

A factory-built region holds public hospitals (several sites per legal entity), private ones,
one hospital whose legal status the registry does not give, nursing homes grouped under their
managing bodies (OG), D1 candidates and non-candidates, and two GHTs. The figure each dashboard
shows for each target is compared with a count made here, from the data as built, over the
unit care-targets.md names.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.models import Answer, Assessment
from assessments.scoring.service import refresh_snapshot
from establishments.models import Kind, Role
from referential.loader import load_referential_file
from referential.models import Requirement
from reports.pdf import render_report_html
from tests.factories import (
    AssessmentFactory,
    CampaignFactory,
    DepartmentFactory,
    EstablishmentFactory,
    GHTFactory,
    RegionFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

PUBLIC = "Etablissement public de santé"
ESPIC = "Etablissement de santé privé d'intérêt collectif"
PRIVATE = "Etablissement privé à but lucratif"

# care-targets.md section 1, transcribed: target code -> (unit, kinds) for the sites' targets.
UNITS = {
    "rssi": ("ET", {"ES", "ESSMS"}),
    "governance": ("ET", {"ES", "ESSMS"}),
    "plan_blanc": ("ET", {"ES"}),
    "pcra_referent": ("ET", {"ES"}),
    "pcra": ("ET", {"ES"}),
    "exercise": ("PMSI", {"ES"}),
    "exercise_yearly": ("PMSI", {"ES"}),
    "exercise_og_2024": ("OG", {"ESSMS"}),
    "exercise_og_2025": ("OG", {"ESSMS"}),
    "submitted": ("ET", {"ES", "ESSMS"}),
    "action_plan": ("ET", {"ES"}),
    "budget": ("EJ", {"ES"}),
    "domain1": ("candidates:D1", {"ES"}),
    "two_factor": ("ET", {"ES", "ESSMS"}),
}
NOUNS = {
    "ET": "établissements",
    "EJ": "entités juridiques",
    "PMSI": "unités PMSI",
    "OG": "organismes gestionnaires",
    "candidates:D1": "candidats à l'appel D1",
}
ES_ONLY = [code for code, (_unit, kinds) in UNITS.items() if kinds == {"ES"}]


@dataclass
class Site:
    """One establishment and what its answers say (None: not answered)."""

    ej: str
    kind: str = Kind.ES
    legal: str = PUBLIC
    ght: str | None = None
    region: str = "84"
    exercise: bool | None = None  # CRISE-EXERCICE
    exercise_recent: bool = False  # its date: within the year, or February 2024
    budget: bool | None = None
    candidate: bool | None = None
    domain1: bool | None = None
    og_exercise: bool | None = None
    plan_blanc: bool | None = None
    submitted: bool = False
    ght_committee: bool | None = None  # on a support establishment: GHT-COMITE
    support: bool = False
    establishment: object = field(default=None, repr=False)
    assessment: object = field(default=None, repr=False)

    def meets(self, code: str) -> bool | None:
        """The site's own flag, as a reader of its answers would say it."""
        if code == "submitted":
            return self.submitted
        if code == "exercise":
            return self.exercise
        if code == "exercise_yearly":
            # The date is asked only after a "yes": otherwise nothing is known.
            return self.exercise_recent if self.exercise else None
        if code in ("exercise_og_2024", "exercise_og_2025"):
            return self.og_exercise
        return {"budget": self.budget, "domain1": self.domain1, "plan_blanc": self.plan_blanc}.get(
            code
        )


def region_sites() -> list[Site]:
    return [
        # Public legal entity A: three sites, one exercise "yes" in February 2024, one no answer.
        Site("A", ght="G1", support=True, exercise=True, budget=True, candidate=True,
             domain1=True, plan_blanc=True, submitted=True, ght_committee=True),
        Site("A", ght="G1", exercise=None, budget=True, candidate=True, domain1=False),
        Site("A", ght="G1", exercise=True, exercise_recent=True, budget=None, candidate=False),
        # Public legal entity B: one site does not meet the budget target, so B does not.
        Site("B", ght="G2", support=True, exercise=False, budget=False, candidate=True,
             domain1=True, plan_blanc=False, ght_committee=False),
        Site("B", ght="G2", exercise=True, exercise_recent=True, budget=True),
        # Private legal entity C: two sites, two PMSI units.
        Site("C", legal=ESPIC, exercise=True, budget=True, candidate=True, domain1=True,
             submitted=True),
        Site("C", legal=ESPIC, exercise=False, budget=True, candidate=False),
        Site("D", legal=PRIVATE, exercise=True, exercise_recent=True, budget=False),
        # The registry gives no legal status: counted apart for the PMSI targets.
        Site("E", legal="", exercise=True, budget=True, candidate=True, domain1=False),
        # Nursing homes under three managing bodies.
        Site("X", kind=Kind.ESSMS, legal="", og_exercise=True, submitted=True),
        Site("X", kind=Kind.ESSMS, legal="", og_exercise=None),
        Site("X", kind=Kind.ESSMS, legal="", og_exercise=True),
        Site("Y", kind=Kind.ESSMS, legal="", og_exercise=True),
        Site("Y", kind=Kind.ESSMS, legal="", og_exercise=False),
        Site("Z", kind=Kind.ESSMS, legal=""),
        # Elsewhere: counted nationally only.
        Site("F", region="11", exercise=True, budget=True, candidate=True, domain1=True),
        Site("W", kind=Kind.ESSMS, legal="", region="11", og_exercise=True),
    ]  # fmt: skip


def expected(sites: list[Site], code: str) -> tuple[int, int, int]:
    """(met, population, apart) of a target over its unit, counted from the sites as built."""
    unit, kinds = UNITS[code]
    concerned = [s for s in sites if s.kind in kinds]
    apart = 0
    if unit == "candidates:D1":
        concerned = [s for s in concerned if s.candidate]
    if unit == "PMSI":
        apart = sum(1 for s in concerned if not s.legal)
        concerned = [s for s in concerned if s.legal]
    units: dict[object, list[Site]] = {}
    for index, site in enumerate(concerned):
        if unit in ("EJ", "OG") or (unit == "PMSI" and site.legal == PUBLIC):
            units.setdefault(("EJ", site.ej), []).append(site)
        else:
            units[("ET", index)] = [site]
    met = 0
    for members in units.values():
        flags = [s.meets(code) for s in members if s.meets(code) is not None]
        met += bool(flags) and all(flags)
    return met, len(units), apart


def _answer(assessment, codes, code, value):
    Answer.objects.create(assessment=assessment, requirement_id=codes[code], value=value)


def build(campaign, sites: list[Site], *, copies: int = 1, first: int = 0) -> list[Site]:
    """The sites in the registry with their answers and scored snapshots, `copies` times
    (each copy its own legal entities and GHTs, numbered from `first`)."""
    today = timezone.localdate()
    recent = (today - timedelta(days=30)).isoformat()
    regions = {code: RegionFactory(code=code) for code in ("84", "11")}
    departments = {
        code: DepartmentFactory(code="01" if code == "84" else "75", region=region)
        for code, region in regions.items()
    }
    ghts = {}
    codes = dict(
        Requirement.objects.filter(referential=campaign.referential).values_list("code", "pk")
    )
    built = []
    for copy in range(first, first + copies):
        for template in sites:
            site = Site(**{k: v for k, v in vars(template).items() if v is not None})
            ej_index = ord(site.ej) * 10 + copy
            ght = None
            if site.ght:
                key = f"{site.ght}-{copy}"
                ght = ghts.get(key) or ghts.setdefault(
                    key, GHTFactory(code=key, region=regions[site.region])
                )
            site.establishment = EstablishmentFactory(
                department=departments[site.region],
                finess_ej=f"{ej_index:09d}",
                kind=site.kind,
                legal_status=site.legal,
                ght=ght,
            )
            if site.support:
                ght.support_establishment = site.establishment
                ght.save()
            assessment = AssessmentFactory(establishment=site.establishment, campaign=campaign)
            site.assessment = assessment
            if site.exercise is not None:
                _answer(assessment, codes, "CRISE-EXERCICE", site.exercise)
                if site.exercise:
                    when = recent if site.exercise_recent else "2024-02-15"
                    _answer(assessment, codes, "CRISE-EXERCICE-DATE", when)
            if site.budget is not None:
                amount = 30_000 if site.budget else 5_000
                _answer(
                    assessment,
                    codes,
                    "BUDGET-NUMERIQUE",
                    {"numerator": amount, "denominator": 1_000_000},
                )
            if site.candidate is not None:
                _answer(assessment, codes, "D1-CANDIDATURE", site.candidate)
            if site.domain1 is not None:
                _answer(assessment, codes, "D1-AUDIT-EXPOSITION", recent)
                _answer(assessment, codes, "D1-REMEDIATION", 100 if site.domain1 else 10)
                _answer(assessment, codes, "D1-AD-NIVEAU", "3")
            if site.og_exercise is not None:
                when = recent if site.og_exercise else (today - timedelta(days=1500)).isoformat()
                _answer(assessment, codes, "CRISE-EXERCICE-OG", when)
            if site.plan_blanc is not None:
                _answer(assessment, codes, "CRISE-PLAN-BLANC", "yes" if site.plan_blanc else "no")
            if site.ght_committee is not None:
                _answer(assessment, codes, "GHT-COMITE", "yes" if site.ght_committee else "no")
            if site.submitted:
                Assessment.objects.filter(pk=assessment.pk).update(
                    status=Assessment.Status.SUBMITTED
                )
            built.append(site)
    for site in built:
        assessment = Assessment.objects.select_related("establishment", "campaign").get(
            pk=site.assessment.pk
        )
        site.assessment = assessment
        refresh_snapshot(assessment)
    return built


@pytest.fixture
def v2_campaign(db):
    load_referential_file("fixtures/referential/care-2025.yaml")
    referential = load_referential_file("fixtures/referential/care-2026.yaml").referential
    return CampaignFactory(year=2026, referential=referential)


@pytest.fixture
def sites(v2_campaign):
    return build(v2_campaign, region_sites())


def _figures(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response, {f.target.key: f for f in response.context["target_figures"]}


@pytest.mark.parametrize("level", ["region", "national", "ght"])
def test_each_target_figure_is_counted_over_its_own_unit(client, sites, level):
    if level == "region":
        user = user_with_role(Role.ARS, sites[0].establishment.region)
        url = reverse("dashboards:region", args=["84"])
        counted = [s for s in sites if s.region == "84"]
    elif level == "national":
        user = user_with_role(Role.NATIONAL)
        url = reverse("dashboards:national")
        counted = sites
    else:
        ght = sites[0].establishment.ght
        user = user_with_role(Role.GHT, ght)
        url = reverse("dashboards:ght", args=[ght.code])
        counted = [s for s in sites if s.establishment.ght_id == ght.pk]
    response, figures = _figures(client, user, url)
    html = response.content.decode()
    assert set(figures) == set(UNITS)
    for code, (unit, _kinds) in UNITS.items():
        met, population, apart = expected(counted, code)
        text = f"{met} / {population} {NOUNS[unit]}"
        figure = figures[code]
        assert (figure.met, figure.population, figure.apart) == (met, population, apart), code
        assert figure.text == text
        assert escape(text) in html
        if apart:
            assert f"{apart} établissement" in figure.apart_text


def test_the_region_counts_are_the_plan_units(client, sites):
    """The same figures, written out for the region as a programme manager checks them."""
    user = user_with_role(Role.ARS, sites[0].establishment.region)
    _response, figures = _figures(client, user, reverse("dashboards:region", args=["84"]))
    # Exercise by S2 2024: PMSI units A, B (public EJ), the 3 private sites; E apart.
    # A: a "yes" (February 2024) and a "yes", the third unanswered -> met; B: a "no" -> not met;
    # C1 yes, C2 no, D yes.
    assert figures["exercise"].text == "3 / 5 unités PMSI"
    assert figures["exercise"].apart == 1
    # Yearly by S1 2027: February 2024 is more than a year ago: A has one site not met;
    # B's second site ran one within the year (its first never did) and so did D.
    assert figures["exercise_yearly"].text == "2 / 5 unités PMSI"
    # Budget per legal entity: A (two met, one unanswered), C met; B and D not; E met.
    assert figures["budget"].text == "3 / 5 entités juridiques"
    # Domain 1 over the D1 candidates only: A1, A2, B1, C1, E.
    assert figures["domain1"].text == "3 / 5 candidats à l'appel D1"
    # Managing bodies: X met (one unanswered), Y not (one old exercise), Z unknown.
    assert figures["exercise_og_2025"].text == "1 / 3 organismes gestionnaires"
    assert figures["exercise_og_2024"].target.share is None
    assert "90 organismes gestionnaires" in figures["exercise_og_2024"].target.note


def test_a_count_target_shows_its_note_never_an_invented_share(client, sites):
    user = user_with_role(Role.ARS, sites[0].establishment.region)
    response, figures = _figures(client, user, reverse("dashboards:region", args=["84"]))
    figure = figures["exercise_og_2024"]
    assert figure.status_label == "Sans cible nationale"
    assert escape(figure.target.note) in response.content.decode()


def test_ght_targets_count_ghts_on_their_support_establishment(client, sites):
    user = user_with_role(Role.ARS, sites[0].establishment.region)
    client.force_login(user)
    response = client.get(reverse("dashboards:region", args=["84"]))
    figures = {item["target"].key: item for item in response.context["ght_level_figures"]}
    assert set(figures) == {"rssi_ght", "governance_ght", "domain1_ght"}
    # G1's support said "yes" to the GHT committee, G2's "no".
    assert figures["governance_ght"]["text"] == "1 / 2 GHT"
    assert figures["rssi_ght"]["text"] == "0 / 2 GHT"


def test_an_exercise_in_february_2024_meets_the_s2_2024_target(sites):
    hospital = sites[0]  # exercise "yes", dated 15 February 2024
    html = render_report_html(hospital.assessment)
    table = html.split('class="grid headlines"')[1].split("</table>")[0]
    row = table.split("Au moins un exercice de crise cyber réalisé")[1].split("</tr>")[0]
    assert "Atteinte" in row and "Non atteinte" not in row
    yearly = table.split("Un exercice de crise cyber chaque année")[1].split("</tr>")[0]
    assert "Non atteinte" in yearly
    # The region's figure, over the target's unit.
    assert "3 / 5 unités PMSI" in row


def test_the_report_of_an_ehpad_shows_no_es_only_target(sites, v2_campaign):
    ehpad = next(s for s in sites if s.kind == Kind.ESSMS and s.region == "84")
    html = render_report_html(ehpad.assessment)
    table = html.split('class="grid headlines"')[1].split("</table>")[0]
    labels = {t["code"]: t["label"] for t in v2_campaign.referential.headline_targets}
    for code in ES_ONLY:
        assert escape(labels[code]) not in table, code
    assert escape(labels["exercise_og_2025"]) in table
    assert "1 / 3 organismes gestionnaires" in table


def test_exports_give_numerator_denominator_and_unit(client, sites):
    user = user_with_role(Role.ARS, sites[0].establishment.region)
    client.force_login(user)
    response = client.get(
        reverse("dashboards:region_export", args=["84"]), {"format": "csv", "list": "kinds"}
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    es_row = next(line.split(";") for line in lines[1:] if line.startswith("ES —"))
    column = header.index("Au moins un exercice de crise cyber réalisé — atteinte (numérateur)")
    assert es_row[column : column + 3] == ["3", "5", "unités PMSI"]
    assert header[column + 1].endswith("concernés (dénominateur)")
    assert header[column + 2].endswith("— unité")


@pytest.mark.parametrize("name", ["region", "national", "ght"])
def test_dashboard_queries_do_not_grow_with_the_establishments(client, v2_campaign, name):
    sites = build(v2_campaign, region_sites())
    args = {"region": ["84"], "national": [], "ght": [sites[0].establishment.ght.code]}[name]
    user = user_with_role(Role.NATIONAL)
    client.force_login(user)
    url = reverse(f"dashboards:{name}", args=args)
    counts = []
    for size in range(2):
        client.get(url)  # the session and caches settle
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        build(v2_campaign, region_sites(), copies=3, first=1 + 3 * size)
    assert counts[0] == counts[1]
