"""Evidence: accepted and refused files, links and notes, scoped download, deletion, the form."""

import html
import io
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import evidence as evidence_service
from assessments import workflow
from assessments.models import Evidence
from audit.models import AuditEvent
from tests import evidence_samples as samples
from tests.answers import fill
from tests.html_checks import shown_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def page_url(assessment, code="GOV-COMITE"):
    return f"/assessments/{assessment.pk}/evidence/{code}/"


def post_file(client, assessment, name, content, code="GOV-COMITE"):
    return client.post(
        page_url(assessment, code), {"kind": "file", "file": samples.upload(name, content)}
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


ACCEPTED = [
    ("rapport.pdf", samples.PDF, "application/pdf", ".pdf"),
    ("capture.png", samples.image("PNG"), "image/png", ".png"),
    ("photo.jpeg", samples.image("JPEG"), "image/jpeg", ".jpg"),
    (
        "charte.docx",
        samples.docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    (
        "budget.xlsx",
        samples.xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    (
        "pv.odt",
        samples.odf("application/vnd.oasis.opendocument.text"),
        "application/vnd.oasis.opendocument.text",
        ".odt",
    ),
    (
        "tableau.ods",
        samples.odf("application/vnd.oasis.opendocument.spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
        ".ods",
    ),
    # The type comes from the content: a PNG named .pdf is stored and served as a PNG.
    ("mal-nomme.pdf", samples.image("PNG"), "image/png", ".png"),
]


@pytest.mark.parametrize(("name", "content", "mime", "suffix"), ACCEPTED)
def test_accepted_files(client, world, campaign, _media, name, content, mime, suffix):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, name, content)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.content_type, evidence.original_name) == ("file", mime, name)
    assert evidence.requirement.code == "GOV-COMITE"
    assert evidence.size == len(content)
    # Stored outside the web root under a random name that keeps nothing of the uploaded one.
    (path,) = stored_files(_media)
    assert path.parent == _media / "evidence" / str(campaign.hospital.pk)
    assert len(path.stem) == 32 and path.suffix == suffix
    assert Path(name).stem not in path.name
    assert path.read_bytes() == content
    assert AuditEvent.objects.filter(action="evidence_upload").count() == 1


REFUSED = [
    ("page.pdf", samples.HTML, "n'est pas d'un format reconnu"),
    ("programme.docx", samples.EXE, "de type « exe »"),
    ("archive.docx", samples.zipped([("notes.txt", b"hello")]), "pas un document bureautique"),
    ("macro.docx", samples.docx(macros=True), "contenant des macros"),
    ("vide.pdf", b"", "Le fichier soumis est vide"),
    ("casse.docx", samples.docx()[:300], "endommagé"),
    # Presentations are not accepted, once checked for active content.
    ("diapo.pptx", samples.ooxml("pptx"), "de type « pptx », qui n'est pas accepté"),
    ("diapo.odp", samples.opendocument(samples.ODF_TYPES["odp"]), "de type « odp »"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_refused_files_say_why_and_store_nothing(
    client, world, campaign, _media, name, content, message
):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, name, content)
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page, re.findall(r"fr-error-text[^>]*>([^<]*)", page)
    assert "fr-upload-group--error" in page or "fr-input-group--error" in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_too_large_file_is_refused(client, world, campaign, settings, _media):
    settings.CARE_EVIDENCE_MAX_BYTES = 1024
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "gros.pdf", samples.PDF + b"0" * 2000)
    assert response.status_code == 400
    page = response.content.decode().replace("\xa0", " ")
    assert "Ce fichier pèse moins de 0,1 Mo : la limite est de moins de 0,1 Mo." in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_a_file_name_is_never_taken_as_markup(client, world, campaign):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "<img src=x onerror=alert(1)>.pdf", samples.PDF)
    page = client.get(response["Location"]).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_links_and_notes(client, world, campaign):
    client.force_login(world.rssi)
    url = page_url(campaign.hospital)
    refused = client.post(url, {"kind": "link", "url": "javascript:alert(1)"})
    assert refused.status_code == 400
    assert "commençant par https://" in refused.content.decode()
    assert client.post(url, {"kind": "note", "note": " "}).status_code == 400
    client.post(url, {"kind": "link", "url": "https://ged.ch-villefranche.fr/comite", "note": "CR"})
    client.post(url, {"kind": "note", "note": "Procès-verbaux au secrétariat de direction."})
    assert list(Evidence.objects.values_list("kind", "url", "note")) == [
        ("link", "https://ged.ch-villefranche.fr/comite", "CR"),
        ("note", "", "Procès-verbaux au secrétariat de direction."),
    ]
    page = client.get(url).content.decode()
    assert 'href="https://ged.ch-villefranche.fr/comite" rel="noopener noreferrer"' in page
    assert "Procès-verbaux au secrétariat de direction." in page


@pytest.fixture
def evidence(client, world, campaign):
    client.force_login(world.rssi)
    post_file(client, campaign.hospital, "rapport comité.pdf", samples.PDF)
    client.logout()
    return Evidence.objects.get()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 200),
        ("director", 200),
        ("ght_lead", 200),
        ("ars", 200),
        ("national", 200),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_download_is_scoped(client, world, evidence, role, expected):
    client.force_login(getattr(world, role))
    response = client.get(f"/assessments/{evidence.assessment_id}/evidence/{evidence.pk}/download/")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "rapport" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == samples.PDF


def test_download_through_another_assessment_is_404(client, world, campaign, evidence):
    client.force_login(world.ght_lead)  # sees both the hospital and the clinic
    response = client.get(f"/assessments/{campaign.clinic.pk}/evidence/{evidence.pk}/download/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 302),
        ("director", 403),
        ("ght_lead", 403),
        ("ars", 403),
        ("national", 403),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_who_may_add_evidence(client, world, campaign, role, expected):
    client.force_login(getattr(world, role))
    response = post_file(client, campaign.hospital, "rapport.pdf", samples.PDF)
    assert response.status_code == expected
    assert Evidence.objects.count() == (1 if expected == 302 else 0)


def test_ght_lead_attaches_evidence_to_ght_level_items(client, world, campaign):
    client.force_login(world.ght_lead)
    response = post_file(
        client, campaign.hospital, "convergence.pdf", samples.PDF, "GHT-CONVERGENCE"
    )
    assert response.status_code == 302
    # Not on the members' assessments, which do not hold the GHT-level answers.
    response = post_file(client, campaign.clinic, "convergence.pdf", samples.PDF, "GHT-CONVERGENCE")
    assert response.status_code == 403


def test_requirement_outside_the_establishment_kind_is_404(client, world, campaign):
    client.force_login(world.rssi)
    assert client.get(page_url(campaign.hospital, "OG-EXERCICE")).status_code == 404
    assert client.get(page_url(campaign.hospital, "NOPE")).status_code == 404


def test_delete(client, world, campaign, evidence, _media, django_capture_on_commit_callbacks):
    url = f"/assessments/{campaign.hospital.pk}/evidence/{evidence.pk}/delete/"
    client.force_login(world.director)
    assert client.post(url).status_code == 403
    client.force_login(world.other_rssi)
    assert client.post(url).status_code == 404
    client.force_login(world.rssi)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []
    assert AuditEvent.objects.filter(action="evidence_delete").count() == 1


def test_evidence_is_read_only_once_submitted(client, world, campaign, evidence):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    workflow.submit(assessment=assessment, user=world.rssi)
    client.force_login(world.rssi)
    assert post_file(client, assessment, "autre.pdf", samples.PDF).status_code == 403
    delete = f"/assessments/{assessment.pk}/evidence/{evidence.pk}/delete/"
    assert client.post(delete).status_code == 403
    page = client.get(page_url(assessment)).content.decode()
    assert "ses preuves ne sont plus modifiables" in page
    assert "Déposer un fichier" not in page
    # Still readable by the director who validates.
    client.force_login(world.director)
    download = f"/assessments/{assessment.pk}/evidence/{evidence.pk}/download/"
    assert client.get(download).status_code == 200


def test_form_shows_evidence_next_to_each_requirement_in_one_query(client, world, campaign):
    client.force_login(world.rssi)
    url = f"/assessments/{campaign.hospital.pk}/?step=1"
    with CaptureQueriesContext(connection) as empty:
        page = client.get(url).content.decode()
    assert page.count("Joindre une preuve (fichier, lien ou note)") == 3  # the 3 items of axis 1
    for code in ("GOV-RSSI", "GOV-COMITE", "EXERCICE"):
        post_file(client, campaign.hospital, f"{code}.pdf", samples.PDF, code)
    with CaptureQueriesContext(connection) as filled:
        page = client.get(url).content.decode()
    assert len(filled) == len(empty)
    assert page.count("Ajouter ou retirer une preuve") == 3
    assert "GOV-COMITE.pdf" in page
    # Whoever reads only sees the list.
    client.force_login(world.director)
    page = client.get(url).content.decode()
    assert "GOV-RSSI.pdf" in page
    assert "Ajouter ou retirer une preuve" not in page


def test_evidence_list_page(client, world, campaign, evidence):
    client.force_login(world.ars)
    response = client.get(f"/assessments/{campaign.hospital.pk}/evidence/")
    page = response.content.decode()
    assert "1 preuve jointe" in page
    assert "rapport comité.pdf" in page
    picked = client.get(f"/assessments/{campaign.hospital.pk}/evidence/?code=BUDGET")
    assert picked["Location"] == page_url(campaign.hospital, "BUDGET")
    client.force_login(world.other_ars)
    assert client.get(f"/assessments/{campaign.hospital.pk}/evidence/").status_code == 404


def test_files_go_with_their_assessment(
    client, world, campaign, evidence, _media, django_capture_on_commit_callbacks
):
    assert len(stored_files(_media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        campaign.hospital.delete()
    assert stored_files(_media) == []


# --- active content in office documents -----------------------------------------------------------

FOLDER = {"docx": "word", "xlsx": "xl", "pptx": "ppt"}
MACROS_VBA = "Ce document contient des macros (VBA) ; les documents contenant des macros"
MACRO_FORMAT = "Ce document est dans un format qui porte des macros"
EXCEL4 = "contient des macros (feuilles de macros Excel 4.0)"
STARBASIC = "Ce document contient des macros (StarBasic)"
SCRIPTS = "Ce document contient des macros (scripts Python, JavaScript ou BeanShell)"
ACTIVEX = "Ce document contient des contrôles ActiveX"
OLE = "Ce document contient des objets incorporés (OLE)"
EXTERNAL = "Ce document charge un contenu extérieur"
VBA_TYPE = "application/vnd.ms-office.vbaProject"


@st.composite
def any_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=True))


names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
binary_extensions = st.sampled_from(["bin", "dat", "tmp", "xyz", "png"])
payloads = st.sampled_from([samples.CFB, b"\x00" * 64, b'Attribute VB_Name = "Module1"'])


@st.composite
def renamed_part(draw, folder: str, content_type: str, content=payloads):
    """A part under an innocent name and any case, its real content type declared for it."""
    name = f"{folder}/{draw(names)}.{draw(binary_extensions)}"
    entry = draw(any_case(name))
    declared = draw(any_case(content_type))
    if draw(st.booleans()):
        declaration = {"overrides": [(f"/{name}", declared)]}
    else:
        declaration = {"defaults": [(name.rsplit(".", 1)[1], declared)]}
    return {"parts": [(entry, draw(content))], **declaration}


@st.composite
def ooxml_with_active_content(draw):
    container = draw(st.sampled_from(["docx", "xlsx", "pptx"]))
    folder = FOLDER[container]
    marker = draw(
        st.sampled_from(
            ["vba", "vba_data", "macro_format", "excel4", "activex", "ole", "external", "embedded"]
        )
    )
    if marker == "vba":
        if draw(st.booleans()):
            extra = draw(renamed_part(folder, VBA_TYPE))
        else:  # under its usual name, declared or not
            extra = {"parts": [(draw(any_case(f"{folder}/vbaProject.bin")), samples.CFB)]}
        return samples.ooxml(container, **extra), MACROS_VBA
    if marker == "vba_data":
        data_type = "application/vnd.ms-word.vbaData+xml"
        return samples.ooxml(container, **draw(renamed_part(folder, data_type))), MACROS_VBA
    if marker == "macro_format":
        main_type = draw(
            st.sampled_from(
                {
                    "docx": [
                        "application/vnd.ms-word.document.macroEnabled.main+xml",
                        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
                    ],
                    "xlsx": [
                        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                        "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
                        "application/vnd.ms-excel.addin.macroEnabled.main+xml",
                    ],
                    "pptx": [
                        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
                        "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
                    ],
                }[container]
            )
        )
        return samples.ooxml(container, main_type=draw(any_case(main_type))), MACRO_FORMAT
    if marker == "excel4":
        if draw(st.booleans()):
            sheet_type = "application/vnd.ms-excel.macrosheet+xml"
            extra = draw(renamed_part(folder, sheet_type, st.just(b"<xm:macrosheet/>")))
        else:
            extra = {"parts": [(draw(any_case(f"{folder}/macrosheets/sheet1.xml")), b"<m/>")]}
        return samples.ooxml(container, **extra), EXCEL4
    if marker == "activex":
        way = draw(st.sampled_from(["name", "declared", "relationship"]))
        if way == "name":
            extra = {"parts": [(draw(any_case(f"{folder}/activeX/activeX1.xml")), b"<ax/>")]}
        elif way == "declared":
            activex_type = draw(
                st.sampled_from(
                    ["application/vnd.ms-office.activeX+xml", "application/vnd.ms-office.activeX"]
                )
            )
            extra = draw(renamed_part(folder, activex_type, st.just(b"<ax/>")))
        else:
            target = f"{draw(names)}.xml"
            extra = {
                "parts": [(f"{folder}/{target}", b"<ax/>")],
                "relationships": {
                    f"{folder}/_rels/document.xml.rels": [
                        (samples.RELATIONSHIP + draw(any_case("control")), target, None)
                    ]
                },
            }
        return samples.ooxml(container, **extra), ACTIVEX
    if marker == "ole":
        way = draw(st.sampled_from(["name", "declared", "content", "relationship"]))
        if way == "name":
            name = draw(any_case(f"{folder}/embeddings/oleObject1.bin"))
            extra = {"parts": [(name, b"\x01\x02" * 32)]}
        elif way == "declared":
            ole_type = "application/vnd.openxmlformats-officedocument.oleObject"
            extra = draw(renamed_part(folder, ole_type))
        elif way == "content":  # neither named nor declared: the compound file signature tells
            extra = {
                "parts": [(f"{folder}/media/{draw(names)}.{draw(binary_extensions)}", samples.CFB)]
            }
        else:
            target = f"{draw(names)}.dat"
            extra = {
                "parts": [(f"{folder}/{target}", b"\x01\x02" * 32)],
                "relationships": {
                    f"{folder}/_rels/document.xml.rels": [
                        (samples.RELATIONSHIP + "oleObject", target, None)
                    ]
                },
            }
        return samples.ooxml(container, **extra), OLE
    if marker == "external":
        kind = draw(
            st.sampled_from(["attachedTemplate", "frame", "subDocument", "oleObject", "image"])
        )
        target = draw(
            st.sampled_from(
                [
                    "https://modeles.example.org/charte.dotm",
                    "http://10.0.0.7/t.dotm",
                    "HTTPS://Modeles.Example.org/T.DOTM",
                    "file:///C:/Modeles/charte.dotm",
                    "file://///serveur/partage/charte.dotm",
                    "\\\\serveur@SSL\\DavWWWRoot\\charte.dotm",
                    "//serveur/partage/charte.dotm",
                    "smb://serveur/partage/charte.dotm",
                    "ftp://serveur/charte.dotm",
                    "mhtml:https://serveur/x.mht!x",
                    "C:\\Modeles\\charte.dotm",
                ]
            )
        )
        mode = draw(st.one_of(st.none(), any_case("External"), st.just(" External ")))
        rels = f"{folder}/_rels/{draw(st.sampled_from(['settings', 'document', 'webSettings']))}.xml.rels"
        extra = {"relationships": {rels: [(samples.RELATIONSHIP + kind, target, mode)]}}
        return samples.ooxml(container, **extra), EXTERNAL
    # A document embedded in this one, in a format that carries macros.
    extension = draw(st.sampled_from(["docm", "xlsm", "pptm", "xlsb", "dotm"]))
    name = draw(any_case(f"{folder}/embeddings/Document_{draw(names)}.{extension}"))
    return samples.ooxml(container, parts=[(name, b"PK\x03\x04")]), MACRO_FORMAT


@st.composite
def opendocument_with_active_content(draw):
    mime = samples.ODF_TYPES[draw(st.sampled_from(["odt", "ods", "odp"]))]
    marker = draw(st.sampled_from(["basic", "dialogs", "scripts", "manifest", "ole"]))
    listed = draw(st.booleans())
    if marker in ("basic", "dialogs"):
        top = draw(any_case("Basic" if marker == "basic" else "Dialogs"))
        parts = [
            (f"{top}/Standard/Module1.xml", b"<script:module/>"),
            (f"{top}/script-lc.xml", b"<l/>"),
        ]
        manifest = [(name, "text/xml") for name, _ in parts] if listed else []
        return samples.opendocument(mime, parts=parts, manifest=manifest), STARBASIC
    if marker == "scripts":
        language, extension = draw(
            st.sampled_from([("python", "py"), ("javascript", "js"), ("beanshell", "bsh")])
        )
        name = f"{draw(any_case('Scripts'))}/{language}/{draw(names)}.{extension}"
        manifest = [(name, "")] if listed else []
        return samples.opendocument(mime, parts=[(name, b"import os")], manifest=manifest), SCRIPTS
    if marker == "manifest":  # under an innocent name, declared as a script in the manifest
        media_type, expected = draw(
            st.sampled_from(
                [
                    ("application/vnd.sun.star.framework-script", SCRIPTS),
                    ("text/x-python", SCRIPTS),
                    ("application/x-javascript", SCRIPTS),
                    ("application/vnd.sun.star.basic", STARBASIC),
                ]
            )
        )
        name = f"Configurations2/{draw(names)}"
        manifest = [(name, draw(any_case(media_type)))]
        return samples.opendocument(mime, parts=[(name, b"x = 1")], manifest=manifest), expected
    name = f"Object {draw(st.integers(1, 9))}"
    manifest = [(name, "application/vnd.sun.star.oleobject")] if listed else []
    return samples.opendocument(mime, parts=[(name, samples.CFB)], manifest=manifest), OLE


ACTIVE = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@ACTIVE
@given(document=st.one_of(ooxml_with_active_content(), opendocument_with_active_content()))
def test_documents_with_active_content_are_refused(client, world, campaign, _media, document):
    content, message = document
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "preuve.docx", content)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page, re.findall(r"fr-error-text[^>]*>([^<]*)", page)
    assert "déposez-le à nouveau" in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_macro_message_says_how_to_fix(client, world, campaign):
    client.force_login(world.rssi)
    renamed = samples.ooxml(
        "docx",
        parts=[("word/notes.dat", samples.CFB)],
        overrides=[("/word/notes.dat", VBA_TYPE)],
    )
    response = post_file(client, campaign.hospital, "charte.docx", renamed)
    assert (
        "Ce document contient des macros (VBA) ; les documents contenant des macros ne sont pas "
        "acceptés : enregistrez-le sans macros (format .docx) puis déposez-le à nouveau."
    ) in html.unescape(response.content.decode())
    template = samples.ooxml(
        "docx",
        relationships={
            "word/_rels/settings.xml.rels": [
                (
                    samples.RELATIONSHIP + "attachedTemplate",
                    "https://modeles.example.org/charte.dotm",
                    "External",
                )
            ]
        },
    )
    response = post_file(client, campaign.hospital, "charte.docx", template)
    assert (
        "Ce document charge un contenu extérieur (modèle attaché : "
        "« https://modeles.example.org/charte.dotm ») ; seuls les liens hypertexte peuvent "
        "pointer hors du document"
    ) in html.unescape(response.content.decode())
    basic = samples.opendocument(
        samples.ODF_TYPES["odt"], parts=[("Basic/Standard/Module1.xml", b"<m/>")]
    )
    response = post_file(client, campaign.hospital, "pv.odt", basic)
    assert "Outils > Macros > Gérer les macros" in html.unescape(response.content.decode())
    assert not Evidence.objects.exists()


hyperlink_targets = st.sampled_from(
    [
        "https://www.ssi.gouv.fr/guide",
        "http://intranet.ch.example/procedure",
        "mailto:rssi@ch.example",
        "file:///S:/Qualite/procedure.pdf",
        "\\\\serveur\\partage\\procedure.pdf",
    ]
)


@st.composite
def clean_documents(draw):
    """Documents with nothing that runs: hyperlinks anywhere, printer settings, charts, images."""
    if draw(st.booleans()):
        links = [
            (
                samples.RELATIONSHIP + draw(any_case("hyperlink")),
                draw(hyperlink_targets),
                draw(st.one_of(st.none(), any_case("External"))),
            )
            for _ in range(draw(st.integers(1, 4)))
        ]
        container = draw(st.sampled_from(["docx", "xlsx"]))
        folder = FOLDER[container]
        chart = samples.ooxml("xlsx")
        return samples.ooxml(
            container,
            parts=[
                (f"{folder}/media/image1.png", samples.image("PNG")),
                (f"{folder}/printerSettings/printerSettings1.bin", b"\x01\x04" * 200),
                (f"{folder}/embeddings/Microsoft_Excel_Worksheet.xlsx", chart),
            ],
            defaults=[
                ("png", "image/png"),
                (
                    "bin",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
                ),
                ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ],
            relationships={f"{folder}/_rels/document.xml.rels": links},
        )
    mime = samples.ODF_TYPES[draw(st.sampled_from(["odt", "ods"]))]
    return samples.opendocument(
        mime,
        parts=[
            ("Object 1/content.xml", b"<office:document-content/>"),
            ("Pictures/1.png", samples.image("PNG")),
            ("Configurations2/accelerator/current.xml", b""),
        ],
        manifest=[
            ("Object 1/", "application/vnd.oasis.opendocument.chart"),
            ("Pictures/1.png", "image/png"),
            ("Configurations2/", "application/vnd.sun.xml.ui.configuration"),
        ],
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=clean_documents())
def test_documents_without_active_content_are_accepted(client, world, campaign, content):
    client.force_login(world.rssi)
    before = Evidence.objects.count()
    response = post_file(client, campaign.hospital, "preuve.docx", content)
    assert response.status_code == 302, html.unescape(response.content.decode())
    assert Evidence.objects.count() == before + 1


# --- bounds on what reading an archive costs -------------------------------------------------------

BOMB_SIZE = 190 * 1024 * 1024


@pytest.fixture(scope="session")
def mimetype_bomb():
    """An OpenDocument whose mimetype entry inflates to 190 MiB of zeros (about 200 KB packed)."""
    return samples.deflated_zeros(
        "mimetype", BOMB_SIZE, extra=[("content.xml", b"<office:document-content/>")]
    )


def post_measured(client, assessment, name, content):
    """The response, and the peak of memory allocated while the upload was checked."""
    upload = samples.upload(name, content)
    tracemalloc.start()
    try:
        response = client.post(page_url(assessment), {"kind": "file", "file": upload})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def test_a_mimetype_bomb_is_refused_in_bounded_memory(
    client, world, campaign, _media, mimetype_bomb
):
    assert len(mimetype_bomb) < 1024 * 1024
    client.force_login(world.rssi)
    client.get(page_url(campaign.hospital))  # the page's own caches warmed
    response, peak = post_measured(client, campaign.hospital, "pv.odt", mimetype_bomb)
    assert response.status_code == 400
    page = html.unescape(response.content.decode()).replace("\xa0", " ")
    assert "Cette archive est anormalement volumineuse une fois décompressée : « mimetype »" in page
    assert "à 190 Mo" in page
    assert peak < 20 * 1024 * 1024
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


@pytest.mark.parametrize(
    "mimetype",
    [
        # Compressed, even small.
        ("deflated", zipfile.ZIP_DEFLATED, samples.ODF_TYPES["odt"].encode()),
        # Stored, but far longer than a media type.
        ("long", zipfile.ZIP_STORED, samples.ODF_TYPES["odt"].encode() + b" " * 4096),
    ],
    ids=lambda value: value[0],
)
def test_an_odf_mimetype_must_be_short_and_stored(client, world, campaign, _media, mimetype):
    _label, compression, content = mimetype
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", content, compress_type=compression)
        archive.writestr("content.xml", b"<office:document-content/>")
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "pv.odt", out.getvalue())
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "son entrée « mimetype » doit tenir en quelques octets, sans compression" in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_an_archive_inflating_beyond_the_limit_is_refused(client, world, campaign, monkeypatch):
    # Parts that compress like ordinary text (about 2:1), beyond a lowered total.
    monkeypatch.setattr(evidence_service, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    filler = os.urandom(300 * 1024).hex().encode()
    content = samples.ooxml("docx", parts=[(f"word/media/part{n}.txt", filler) for n in range(2)])
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "charte.docx", content)
    assert response.status_code == 400
    page = html.unescape(response.content.decode()).replace("\xa0", " ")
    assert (
        "Cette archive est anormalement volumineuse une fois décompressée (1,2 Mo, 1 Mo au plus)."
        in page
    )
    assert not Evidence.objects.exists()


def test_an_archive_with_too_many_entries_is_refused_in_bounded_memory(client, world, campaign):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", samples.CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        for number in range(60_000):
            archive.writestr(f"{number}", b"")
    client.force_login(world.rssi)
    client.get(page_url(campaign.hospital))
    response, peak = post_measured(client, campaign.hospital, "charte.docx", out.getvalue())
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert (
        "Cette archive contient trop de fichiers pour un document bureautique (5000 au plus)."
        in page
    )
    assert peak < 20 * 1024 * 1024
    assert not Evidence.objects.exists()


def test_an_oversized_xml_part_is_refused_without_parsing_it_all(client, world, campaign):
    # Stored, so that its ratio is ordinary: only the bound on what is parsed stops it.
    types = samples.CONTENT_TYPES.replace(b"/>", b">" + b"<!-- -->" * (640 * 1024) + b"</Types>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", types, compress_type=zipfile.ZIP_STORED)
        archive.writestr("word/document.xml", b"<w:document/>")
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "charte.docx", out.getvalue())
    assert response.status_code == 400
    page = html.unescape(response.content.decode()).replace("\xa0", " ")
    assert "sa partie « [Content_Types].xml » dépasse 4 Mo" in page
    assert not Evidence.objects.exists()


def test_entity_expansion_in_a_part_is_refused(client, world, campaign):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(8)
        )
        + b']><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&i;</Types>'
    )
    content = samples.zipped([("[Content_Types].xml", laughs), ("word/document.xml", b"<w/>")])
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "charte.docx", content)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "sa partie « [Content_Types].xml » n'est pas un XML accepté" in page
    assert not Evidence.objects.exists()


def test_evidence_sizes_read_in_mo(client, world, campaign):
    client.force_login(world.rssi)
    post_file(client, campaign.hospital, "petit.pdf", samples.PDF)
    post_file(client, campaign.hospital, "gros.pdf", samples.PDF + b"0" * (300 * 1024))
    page = client.get(page_url(campaign.hospital, "GOV-COMITE")).content.decode()
    page = page.replace("\xa0", " ")
    assert "moins de 0,1 Mo" in page
    assert "0,3 Mo" in page
    assert "10 Mo au plus" in page
    assert re.search(r"\b(Kio|Mio|Ko|KB|MB|octets?)\b", shown_text(page)) is None
