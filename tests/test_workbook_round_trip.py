"""The assessment as an XLSX workbook: downloaded, filled in with openpyxl, sent back.

A small referential with every answer type; the workbook is read and written as a spreadsheet
program would, with openpyxl. Every refused workbook writes nothing.
"""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from assessments.answer_fields import AmountField
from assessments.answers import save_answers
from assessments.models import Answer, Assessment
from assessments.workbook import (
    SIGNATURE_SALT,
    WorkbookRejected,
    build_workbook,
    preview_workbook,
)
from audit.models import AuditEvent
from referential.rules import AnswerError, get_rule
from tests.factories import (
    AssessmentFactory,
    AxisFactory,
    CampaignFactory,
    ObjectiveFactory,
    ReferentialVersionFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_RULE = {
    "type": "level",
    "choices": {"1": 0, "2": 0.5, "3": 1},
    "labels": {"1": "Niveau 1 — faible", "2": "Niveau 2 — moyen", "3": "Niveau 3 — bon"},
}
PERCENT_RULE = {"type": "percent_at_least", "met": 80, "partial": 50}
RATIO_RULE = {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
DATE_RULE = {"type": "within_days", "met": 365, "partial": 730}

# (axis, code, fields)
ITEMS = [
    (1, "Q-BOOL", {"rule": {"type": "boolean"}, "source": "plan", "source_ref": "3-3"}),
    (1, "Q-TRI", {"rule": {"type": "tristate"}, "not_applicable_allowed": True}),
    (1, "Q-LEVEL", {"rule": LEVEL_RULE}),
    (1, "Q-CPOM", {"rule": {"type": "boolean"}, "answered_by": "ars"}),
    (1, "Q-GHT", {"rule": {"type": "tristate"}, "applies_to": ["GHT"]}),
    (1, "Q-ESSMS", {"rule": {"type": "boolean"}, "applies_to": ["ESSMS"]}),
    (2, "Q-RATIO", {"rule": RATIO_RULE, "headline": "budget"}),
    (2, "Q-PERCENT", {"rule": PERCENT_RULE, "source": "funding_call", "source_ref": "D2:O1.C"}),
    (
        2,
        "Q-DATE",
        {"rule": DATE_RULE, "not_applicable_allowed": True, "reason_required_for_na": True},
    ),
    (2, "Q-PERSON", {"rule": {"type": "person_named"}, "deadline": date(2026, 12, 31)}),
]


@pytest.fixture
def setup(world):
    referential = ReferentialVersionFactory(code="WB", version=7)
    axes = {
        n: AxisFactory(referential=referential, number=n, title=f"Axe {n} test") for n in (1, 2)
    }
    objectives = {n: ObjectiveFactory(axis=axes[n], number=n) for n in (1, 2)}
    for order, (axis, code, fields) in enumerate(ITEMS):
        fields = {"applies_to": ["ES", "ESSMS"], **fields}
        RequirementFactory(objective=objectives[axis], code=code, order=order, **fields)
    campaign = CampaignFactory(year=2030, referential=referential)
    hospital = AssessmentFactory(establishment=world.hospital, campaign=campaign)
    other = AssessmentFactory(establishment=world.other_hospital, campaign=campaign)
    return hospital, other


def answers_of(assessment) -> dict:
    return dict(
        Answer.objects.filter(assessment=assessment, value__isnull=False).values_list(
            "requirement__code", "value"
        )
    )


def download(client, user, assessment):
    client.force_login(user)
    response = client.get(f"/assessments/{assessment.pk}/workbook.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def row_of(sheet, code) -> int:
    for row in range(3, sheet.max_row + 1):
        if sheet[f"A{row}"].value == code:
            return row
    raise AssertionError(code)


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, assessment, content):
    file = SimpleUploadedFile("reponses.xlsx", content, content_type=XLSX)
    return client.post(f"/assessments/{assessment.pk}/workbook/", {"file": file})


def confirm(client, assessment, response):
    token = response.context["preview"].token
    return client.post(f"/assessments/{assessment.pk}/workbook/confirm/", {"preview": token})


def fill(workbook, cells: dict[tuple[str, str], object]):
    """Set cells given as {(code, column): value} on the row of each code."""
    for (code, column), value in cells.items():
        for title in ("Axe 1", "Axe 2"):
            sheet = workbook[title]
            try:
                row = row_of(sheet, code)
            except AssertionError:
                continue
            sheet[f"{column}{row}"] = value
            break
        else:
            raise AssertionError(code)
    return workbook


def recent(days=30) -> date:
    return timezone.localdate() - timedelta(days=days)


# --- the workbook downloaded ------------------------------------------------------------------


def test_the_workbook_lists_every_question_asked_with_current_answers(client, world, setup):
    hospital, _other = setup
    save_answers(
        assessment=hospital,
        answers={
            "Q-TRI": "not_applicable",
            "Q-LEVEL": "2",
            "Q-RATIO": {"numerator": 30000, "denominator": 1000000},
            "Q-DATE": False,
            "Q-PERSON": {"name": "Claire Martin", "email": "claire.martin@example.fr"},
        },
        expected_version=hospital.version,
        user=world.rssi,
    )
    workbook = download(client, world.rssi, hospital)
    assert workbook.sheetnames == ["Mode d'emploi", "Axe 1", "Axe 2", "listes", "signature"]
    assert workbook["signature"].sheet_state == "veryHidden"
    assert workbook["listes"].sheet_state == "hidden"
    assert "Comment remplir ce classeur" in [c.value for c in workbook["Mode d'emploi"]["A"]]
    axis1, axis2 = workbook["Axe 1"], workbook["Axe 2"]
    # Asked of the establishment: not the item the ARS records, not the ESSMS one.
    assert [axis1[f"A{r}"].value for r in range(3, axis1.max_row + 1)] == [
        "Q-BOOL",
        "Q-TRI",
        "Q-LEVEL",
        "Q-GHT",
    ]
    assert [axis2[f"A{r}"].value for r in range(3, axis2.max_row + 1)] == [
        "Q-RATIO",
        "Q-PERCENT",
        "Q-DATE",
        "Q-PERSON",
    ]
    headings = [axis1.cell(row=2, column=c).value for c in range(1, 10)]
    assert headings == [
        "Code",
        "Question",
        "Source CaRE",
        "Échéance",
        "Réponse attendue",
        "Réponse",
        "Seconde valeur",
        "Autre réponse",
        "Motif du « non applicable »",
    ]
    assert axis1["C3"].value == "Cible CaRE 3-3"
    assert axis2["C4"].value == "Appel D2 — O1.C"
    assert axis2["D6"].value == "31/12/2026"
    # Current answers filled in.
    assert axis1["F4"].value == "Non applicable"
    assert axis1["F5"].value == "Niveau 2 — moyen"
    assert (axis2["F3"].value, axis2["G3"].value) == (30000, 1000000)
    assert axis2["H5"].value == "Jamais réalisé à ce jour"
    assert (axis2["F6"].value, axis2["G6"].value) == ("Claire Martin", "claire.martin@example.fr")
    # Locked except the answer cells the question uses.
    assert axis1.protection.sheet and axis2.protection.sheet
    assert axis1["A3"].protection.locked and axis1["B3"].protection.locked
    assert not axis1["F3"].protection.locked
    assert axis1["G3"].protection.locked  # a choice has no second value
    assert not axis1["I4"].protection.locked  # N/A allowed: its reason is open
    assert axis1["I3"].protection.locked
    assert axis1["F6"].protection.locked  # GHT level: the GHT lead answers it
    assert not axis2["G3"].protection.locked and not axis2["H5"].protection.locked
    # The choices as Excel lists.
    lists = {str(v.sqref): v for v in axis1.data_validations.dataValidation}
    assert lists["F3"].type == "list"
    choices = workbook["listes"]
    referenced = lists["F4"].formula1.split("!")[1].replace("$", "").split(":")
    cells = choices[referenced[0] : referenced[1]]
    assert [row[0].value for row in cells] == ["Oui", "Partiellement", "Non", "Non applicable"]
    percent = {str(v.sqref): v for v in axis2.data_validations.dataValidation}["F4"]
    assert (percent.type, percent.formula1, percent.formula2) == ("decimal", "0", "100")
    assert AuditEvent.objects.filter(action="export", detail__format="xlsx").count() == 1


def test_others_in_scope_download_a_read_only_workbook_and_cannot_send_one(client, world, setup):
    hospital, _other = setup
    workbook = download(client, world.director, hospital)
    assert workbook["Axe 1"]["F3"].protection.locked
    assert "Classeur en lecture seule" in " ".join(
        str(c.value) for c in workbook["Mode d'emploi"]["A"] if c.value
    )
    response = upload(client, hospital, to_bytes(fill(workbook, {("Q-BOOL", "F"): "Oui"})))
    assert response.status_code == 403
    assert answers_of(hospital) == {}
    client.force_login(world.other_rssi)
    assert client.get(f"/assessments/{hospital.pk}/workbook.xlsx").status_code == 404


# --- round trip -------------------------------------------------------------------------------


def test_every_answer_type_round_trips_through_a_preview(client, world, setup):
    hospital, _other = setup
    day = recent()
    workbook = fill(
        download(client, world.rssi, hospital),
        {
            ("Q-BOOL", "F"): "oui",  # any case
            ("Q-TRI", "F"): "Non applicable",
            ("Q-TRI", "I"): "Pas de service concerné dans l'établissement",
            ("Q-LEVEL", "F"): "Niveau 3 — bon",
            ("Q-RATIO", "F"): 25000,
            ("Q-RATIO", "G"): "1 000 000",
            ("Q-PERCENT", "F"): 92.5,
            ("Q-DATE", "F"): day,
            ("Q-PERSON", "F"): "Claire Martin",
            ("Q-PERSON", "G"): "claire.martin@example.fr",
        },
    )
    response = upload(client, hospital, to_bytes(workbook))
    assert response.status_code == 200, response.context["errors"]
    # Nothing written before the confirmation.
    assert answers_of(hospital) == {}
    changes = {c.code: c for c in response.context["preview"].changes}
    assert list(changes) == [
        "Q-BOOL",
        "Q-TRI",
        "Q-LEVEL",
        "Q-RATIO",
        "Q-PERCENT",
        "Q-DATE",
        "Q-PERSON",
    ]
    assert (changes["Q-BOOL"].old, changes["Q-BOOL"].new) == ("Non renseigné", "Oui")
    assert changes["Q-TRI"].new == "Non applicable"
    assert changes["Q-TRI"].reason == "Pas de service concerné dans l'établissement"
    assert changes["Q-PERCENT"].new == "92,50 %"
    assert changes["Q-PERSON"].where == "Axe 2, ligne 6"
    page = response.content.decode()
    assert "Aperçu des changements" in page and "Niveau 3 — bon" in page
    assert "Pas de service concerné" in page

    response = confirm(client, hospital, response)
    assert response.status_code == 302
    assert answers_of(hospital) == {
        "Q-BOOL": True,
        "Q-TRI": "not_applicable",
        "Q-LEVEL": "3",
        "Q-RATIO": {"numerator": 25000, "denominator": 1000000},
        "Q-PERCENT": 92.5,
        "Q-DATE": day.isoformat(),
        "Q-PERSON": {"name": "Claire Martin", "email": "claire.martin@example.fr"},
    }
    assert AuditEvent.objects.filter(action="answers_import", detail__format="xlsx").count() == 1

    # Downloaded again, sent back unchanged: nothing to import.
    response = upload(client, hospital, to_bytes(download(client, world.rssi, hospital)))
    assert response.status_code == 200
    assert response.context["preview"].empty
    assert "ne change aucune réponse" in response.content.decode()


def test_special_answers_and_clearing_round_trip(client, world, setup):
    hospital, _other = setup
    save_answers(
        assessment=hospital,
        answers={"Q-BOOL": True, "Q-PERCENT": 40},
        expected_version=hospital.version,
        user=world.rssi,
    )
    workbook = fill(
        download(client, world.rssi, hospital),
        {
            ("Q-DATE", "H"): "Jamais réalisé à ce jour",
            ("Q-PERSON", "H"): "Personne n'est désigné à ce jour",
            ("Q-BOOL", "F"): None,  # cleared
            ("Q-PERCENT", "F"): "60 %",
        },
    )
    response = upload(client, hospital, to_bytes(workbook))
    assert response.status_code == 200, response.context["errors"]
    changes = {c.code: (c.old, c.new) for c in response.context["preview"].changes}
    assert changes == {
        "Q-BOOL": ("Oui", "Non renseigné"),
        "Q-PERCENT": ("40 %", "60 %"),
        "Q-DATE": ("Non renseigné", "Jamais réalisé à ce jour"),
        "Q-PERSON": ("Non renseigné", "Personne n'est désigné à ce jour"),
    }
    assert confirm(client, hospital, response).status_code == 302
    assert answers_of(hospital) == {"Q-PERCENT": 60, "Q-DATE": False, "Q-PERSON": False}


def test_only_the_answers_changed_in_the_workbook_are_taken(client, world, setup):
    """Someone saving in the portal after the download keeps their answer."""
    hospital, _other = setup
    workbook = download(client, world.rssi, hospital)
    save_answers(
        assessment=hospital,
        answers={"Q-LEVEL": "1", "Q-BOOL": True},
        expected_version=hospital.version,
        user=world.rssi,
    )
    response = upload(client, hospital, to_bytes(fill(workbook, {("Q-BOOL", "F"): "Non"})))
    assert response.status_code == 200
    [change] = response.context["preview"].changes
    assert (change.code, change.old, change.new, change.changed_since) == (
        "Q-BOOL",
        "Oui",
        "Non",
        True,
    )
    assert "modifiée dans le portail depuis le téléchargement" in response.content.decode()
    confirm(client, hospital, response)
    assert answers_of(hospital) == {"Q-LEVEL": "1", "Q-BOOL": False}


# --- bad cells: one per rule, each message naming its sheet and cell ---------------------------


def rule_message(rule, value, **kwargs) -> str:
    with pytest.raises(AnswerError) as error:
        get_rule(rule).clean(value, reference_date=timezone.localdate(), **kwargs)
    return error.value.message


def amount_message(text) -> str:
    with pytest.raises(ValidationError) as error:
        AmountField().clean(text)
    return error.value.messages[0]


BAD_CELLS = [
    pytest.param(
        {("Q-TRI", "F"): "Peut-être"},
        lambda: (
            "Axe 1, cellule F4 : « Peut-être » n'est pas une réponse possible ; choisissez "
            "parmi : Oui, Partiellement, Non, Non applicable."
        ),
        id="unknown-choice",
    ),
    pytest.param(
        {("Q-BOOL", "F"): "Non applicable"},
        lambda: (
            "Axe 1, cellule F3 : « Non applicable » n'est pas une réponse possible ; "
            "choisissez parmi : Oui, Non."
        ),
        id="na-not-allowed-in-choices",
    ),
    pytest.param(
        {("Q-PERCENT", "H"): "Non applicable"},
        lambda: "Axe 2, cellule H4 : cette question n'a pas d'autre réponse : videz la cellule.",
        id="na-not-allowed",
    ),
    pytest.param(
        {("Q-PERCENT", "F"): 120},
        lambda: "Axe 2, cellule F4 : " + rule_message(PERCENT_RULE, 120),
        id="percent-above-100",
    ),
    pytest.param(
        {("Q-RATIO", "F"): "beaucoup", ("Q-RATIO", "G"): 1000},
        lambda: "Axe 2, cellule F3 : " + amount_message("beaucoup"),
        id="amount-not-a-number",
    ),
    pytest.param(
        {("Q-RATIO", "F"): 5000, ("Q-RATIO", "G"): 1000},
        lambda: (
            "Axe 2, cellule F3 : Ce montant (5\u202f000 €) dépasse le total (1\u202f000 €) : "
            "vérifiez les deux montants."
        ),
        id="ratio-above-total",
    ),
    pytest.param(
        {("Q-RATIO", "F"): 5000},
        lambda: (
            "Axe 2, cellule G3 : Saisissez aussi ce montant : le ratio se calcule sur les deux."
        ),
        id="ratio-half",
    ),
    pytest.param(
        lambda: {("Q-DATE", "F"): timezone.localdate() + timedelta(days=10)},
        lambda: (
            "Axe 2, cellule F5 : "
            + rule_message(DATE_RULE, (timezone.localdate() + timedelta(days=10)).isoformat())
        ),
        id="future-date",
    ),
    pytest.param(
        {("Q-DATE", "F"): "hier"},
        lambda: (
            "Axe 2, cellule F5 : « hier » n'est pas une date : saisissez-la au format JJ/MM/AAAA."
        ),
        id="not-a-date",
    ),
    pytest.param(
        {("Q-DATE", "F"): recent(), ("Q-DATE", "H"): "Non applicable"},
        lambda: (
            "Axe 2, cellule H5 : Vous avez coché « non applicable » et saisi une réponse : "
            "décochez la case ou effacez la réponse."
        ),
        id="na-and-a-date",
    ),
    pytest.param(
        {("Q-PERSON", "F"): "Claire Martin"},
        lambda: "Axe 2, cellule G6 : Indiquez l'adresse e-mail de la personne.",
        id="person-without-email",
    ),
    pytest.param(
        {("Q-PERSON", "F"): "Claire Martin", ("Q-PERSON", "G"): "pas-une-adresse"},
        lambda: (
            "Axe 2, cellule G6 : "
            + rule_message(
                {"type": "person_named"}, {"name": "Claire Martin", "email": "pas-une-adresse"}
            )
        ),
        id="person-bad-email",
    ),
    pytest.param(
        {("Q-PERCENT", "F"): "=40+40"},
        lambda: (
            "Axe 2, cellule F4 : les formules ne sont pas lues ; saisissez la valeur elle-même."
        ),
        id="formula",
    ),
    pytest.param(
        {("Q-GHT", "F"): "Oui"},
        lambda: (
            "Axe 1, cellule F6 : Exigence de niveau GHT : seul le responsable du GHT peut la "
            "renseigner ; elle s'affiche ici en lecture seule."
        ),
        id="ght-level-by-the-rssi",
    ),
]


@pytest.mark.parametrize(("cells", "expected"), BAD_CELLS)
def test_a_bad_cell_is_refused_with_its_sheet_and_cell_and_nothing_is_written(
    client, world, setup, cells, expected
):
    hospital, _other = setup
    cells = cells() if callable(cells) else cells  # dates read when the test runs
    save_answers(assessment=hospital, answers={"Q-LEVEL": "1"}, expected_version=0, user=world.rssi)
    hospital.refresh_from_db()
    version = hospital.version
    # A good change beside the bad one: it is not written either.
    workbook = fill(
        download(client, world.rssi, hospital), {("Q-LEVEL", "F"): "Niveau 3 — bon", **cells}
    )
    response = upload(client, hospital, to_bytes(workbook))
    assert response.status_code == 400
    errors = response.context["errors"]
    assert errors[0].startswith("Rien n'a été importé")
    assert expected() in errors
    assert expected() in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    hospital.refresh_from_db()
    assert hospital.version == version
    assert answers_of(hospital) == {"Q-LEVEL": "1"}


def test_every_bad_cell_is_listed_at_once(client, world, setup):
    hospital, _other = setup
    workbook = fill(
        download(client, world.rssi, hospital),
        {("Q-TRI", "F"): "Bof", ("Q-PERCENT", "F"): 150, ("Q-PERSON", "F"): "Claire"},
    )
    errors = upload(client, hospital, to_bytes(workbook)).context["errors"]
    assert errors[0] == "Rien n'a été importé, 3 cellule(s) à corriger :"
    assert [e.split(" : ")[0] for e in errors[1:]] == [
        "Axe 1, cellule F4",
        "Axe 2, cellule F4",
        "Axe 2, cellule G6",
    ]


# --- workbooks that are not this assessment's -------------------------------------------------


def refused(client, assessment, content) -> list[str]:
    response = upload(client, assessment, content)
    assert response.status_code == 400
    assert answers_of(assessment) == {}
    return response.context["errors"]


def test_a_workbook_of_another_assessment_is_refused(client, world, setup):
    hospital, other = setup
    theirs = fill(download(client, world.other_rssi, other), {("Q-BOOL", "F"): "Oui"})
    client.force_login(world.rssi)
    [message] = refused(client, hospital, to_bytes(theirs))
    assert message.startswith("Ce classeur a été téléchargé depuis une autre auto-évaluation")
    assert world.other_hospital.name not in message


def test_a_workbook_of_another_referential_version_is_refused(client, world, setup):
    hospital, _other = setup
    workbook = download(client, world.rssi, hospital)
    payload = signing.loads(workbook["signature"]["A1"].value, salt=SIGNATURE_SALT)
    payload["referential"] = ["WB", 6]
    workbook["signature"]["A1"] = signing.dumps(payload, salt=SIGNATURE_SALT, compress=True)
    [message] = refused(client, hospital, to_bytes(workbook))
    assert message == (
        "Ce classeur suit le référentiel WB:6 ; cette auto-évaluation suit le référentiel WB:7. "
        "Rien n'a été importé."
    )


def test_a_tampered_signature_is_refused(client, world, setup):
    hospital, _other = setup
    workbook = download(client, world.rssi, hospital)
    token = workbook["signature"]["A1"].value
    workbook["signature"]["A1"] = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    fill(workbook, {("Q-BOOL", "F"): "Oui"})
    [message] = refused(client, hospital, to_bytes(workbook))
    assert "sa signature a été modifiée" in message


def test_a_workbook_without_signature_is_refused(client, world, setup):
    hospital, _other = setup
    client.force_login(world.rssi)
    workbook = Workbook()
    workbook.active.title = "Axe 1"
    workbook["Axe 1"]["A3"] = "Q-BOOL"
    workbook["Axe 1"]["F3"] = "Oui"
    [message] = refused(client, hospital, to_bytes(workbook))
    assert message.startswith("Ce classeur n'a pas été produit par le portail")


def test_moved_rows_are_refused(client, world, setup):
    hospital, _other = setup
    workbook = download(client, world.rssi, hospital)
    sheet = workbook["Axe 1"]
    sheet.protection.sheet = False
    sheet.insert_rows(4)
    sheet["A4"] = "Q-BOOL"
    sheet["F4"] = "Oui"
    [message] = refused(client, hospital, to_bytes(workbook))
    assert message.startswith("Les lignes ou les feuilles du classeur ont été ajoutées")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"code;reponse\nQ-BOOL;Oui\n", "n'est pas un classeur Excel (.xlsx) lisible"),
        (b"PK\x03\x04" + b"\x00" * 100, "n'est pas un classeur Excel (.xlsx) lisible"),
        (b"x" * (2 * 1024 * 1024 + 1), "Le fichier dépasse 2 Mo"),
    ],
    ids=["csv", "broken-zip", "too-large"],
)
def test_files_that_are_not_workbooks_are_refused(client, world, setup, content, expected):
    hospital, _other = setup
    client.force_login(world.rssi)
    [message] = refused(client, hospital, content)
    assert expected in message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world, setup):
    hospital, _other = setup
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(WorkbookRejected) as rejected:
        preview_workbook(assessment=hospital, upload=buffer.getvalue(), user=world.rssi)
    assert "décompressé dépasse 20 Mo" in rejected.value.messages[0]


# --- confirming -------------------------------------------------------------------------------


def test_a_save_between_preview_and_confirmation_writes_nothing(client, world, setup):
    hospital, _other = setup
    workbook = fill(download(client, world.rssi, hospital), {("Q-BOOL", "F"): "Oui"})
    response = upload(client, hospital, to_bytes(workbook))
    save_answers(
        assessment=Assessment.objects.get(pk=hospital.pk),
        answers={"Q-LEVEL": "2"},
        expected_version=hospital.version,
        user=world.rssi,
    )
    response = confirm(client, hospital, response)
    assert response.status_code == 400
    assert "depuis l'aperçu : rien n'a été importé" in response.context["errors"][0]
    assert answers_of(hospital) == {"Q-LEVEL": "2"}


def test_a_forged_preview_is_refused(client, world, setup):
    hospital, other = setup
    client.force_login(world.rssi)
    forged = signing.dumps(
        {"assessment": hospital.pk, "user": world.rssi.pk, "version": 0, "answers": {"Q-BOOL": 1}},
        salt="another-salt",
    )
    response = client.post(f"/assessments/{hospital.pk}/workbook/confirm/", {"preview": forged})
    assert response.status_code == 400
    assert response.context["errors"] == [
        "L'aperçu n'est pas valide : envoyez à nouveau le classeur."
    ]
    assert answers_of(hospital) == {}


def test_a_transmitted_assessment_refuses_a_workbook(world, setup):
    hospital, _other = setup
    content = build_workbook(hospital, world.rssi)
    Assessment.objects.filter(pk=hospital.pk).update(status=Assessment.Status.SUBMITTED)
    hospital.refresh_from_db()
    with pytest.raises(WorkbookRejected) as rejected:
        preview_workbook(assessment=hospital, upload=content, user=world.rssi)
    assert rejected.value.messages == [
        "L'auto-évaluation est transmise : ses réponses ne sont plus modifiables."
    ]
    # Downloaded now, its answer cells are locked.
    workbook = load_workbook(io.BytesIO(build_workbook(hospital, world.rssi)))
    assert workbook["Axe 1"]["F3"].protection.locked


def test_not_applicable_reasons_are_saved_and_required_where_the_referential_asks(
    client, world, setup
):
    hospital, _other = setup
    # Q-DATE asks a reason for « non applicable »: without one, the cell is named, nothing saved.
    workbook = fill(
        download(client, world.rssi, hospital),
        {("Q-TRI", "F"): "Non applicable", ("Q-DATE", "H"): "Non applicable"},
    )
    response = upload(client, hospital, to_bytes(workbook))
    assert response.status_code == 400
    row = row_of(workbook["Axe 2"], "Q-DATE")
    errors = [error for error in response.context["errors"] if "motif" in error]
    assert len(errors) == 1 and errors[0].startswith(f"Axe 2, cellule I{row} :"), errors
    assert answers_of(hospital) == {}

    # With the reasons typed, both are saved with their answers.
    workbook = fill(
        download(client, world.rssi, hospital),
        {
            ("Q-TRI", "F"): "Non applicable",
            ("Q-TRI", "I"): "Aucun service concerné",
            ("Q-DATE", "H"): "Non applicable",
            ("Q-DATE", "I"): "Pas de système à sauvegarder sur ce site",
        },
    )
    response = confirm(client, hospital, upload(client, hospital, to_bytes(workbook)))
    assert response.status_code == 302
    reasons = dict(
        Answer.objects.filter(assessment=hospital).values_list("requirement__code", "na_reason")
    )
    assert reasons["Q-TRI"] == "Aucun service concerné"
    assert reasons["Q-DATE"] == "Pas de système à sauvegarder sur ce site"
