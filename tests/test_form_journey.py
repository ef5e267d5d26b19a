"""The questionnaire as an RSSI walks it: the confirmation where the eye is, the score explained,
evidence titles, sizes in Mo, plurals agreed."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Evidence
from care_portal.formats import format_count, format_file_size
from reports.content import build_report
from tests import evidence_samples as samples
from tests import test_assessment_form as form_tests
from tests.html_checks import shown_text
from tests.test_assessment_form import post_step, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def forms_world(world):
    """The form-test referential (several steps, every kind of answer)."""
    return form_tests.forms_world.__wrapped__(world)


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


# --- after a save --------------------------------------------------------------------------------


def test_after_a_save_the_page_opens_on_the_confirmation(client, world, forms_world):
    client.force_login(world.rssi)
    response = post_step(client, forms_world.hospital, "1", {"GOV-COMITE": "yes"})
    assert response.status_code == 302
    assert response["Location"].endswith("#messages")
    page = text(client.get(response["Location"]))
    assert 'id="messages" tabindex="-1"' in page
    assert "1 réponse enregistrée." in page


def test_an_invalid_save_shows_a_summary_linking_to_red_fields(client, world, forms_world):
    client.force_login(world.rssi)
    response = post_step(
        client, forms_world.hospital, "2", {"BUDGET__numerator": "abc", "BUDGET__denominator": "1"}
    )
    page = text(response)
    assert 'id="form-errors"' in page
    assert 'href="#' in page.split('id="form-errors"')[1].split("</div>")[0]
    assert "fr-input-group--error" in page or "fr-fieldset--error" in page


# --- the side panel ------------------------------------------------------------------------------


def test_side_panel_explains_the_score_and_links_to_the_method(client, world, forms_world):
    client.force_login(world.rssi)
    page = text(client.get(url(forms_world.hospital, "1")))
    assert "le score est leur moyenne pondérée, sur 100." in page
    label = forms_world.hospital.campaign.referential.label
    link = f"/referential/?version={label.replace(':', '%3A')}#methode"
    assert link in page
    method = text(client.get(link.split("#")[0]))
    assert 'id="methode"' in method
    assert "Méthode de calcul du score" in method


# --- evidence titles and sizes -------------------------------------------------------------------


def test_an_evidence_file_carries_its_title_everywhere(client, world, campaign):
    client.force_login(world.rssi)
    evidence_url = f"/assessments/{campaign.hospital.pk}/evidence/GOV-COMITE/"
    response = client.post(
        evidence_url,
        {
            "kind": "file",
            "title": "  Procès-verbal du comité   2025 ",
            "file": samples.upload("pv.pdf", samples.PDF),
        },
    )
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.title == "Procès-verbal du comité 2025"
    assert str(item) == "Procès-verbal du comité 2025"
    assert "Fichier « Procès-verbal du comité 2025 » ajouté." in text(client.get(evidence_url))
    for page_url in (evidence_url, f"/assessments/{campaign.hospital.pk}/evidence/"):
        page = text(client.get(page_url))
        assert "Procès-verbal du comité 2025" in page
        assert "pv.pdf" in page  # the file's own name beside the title
    report = build_report(campaign.hospital)
    assert [line.name for line in report.evidence] == ["Procès-verbal du comité 2025"]
    # Without a title the file's name is shown, as before.
    client.post(evidence_url, {"kind": "file", "file": samples.upload("sans.pdf", samples.PDF)})
    assert Evidence.objects.last().display_title == "sans.pdf"


def test_a_too_long_title_is_refused_and_nothing_is_stored(client, world, campaign):
    client.force_login(world.rssi)
    response = client.post(
        f"/assessments/{campaign.hospital.pk}/evidence/GOV-COMITE/",
        {"kind": "file", "title": "x" * 201, "file": samples.upload("pv.pdf", samples.PDF)},
    )
    assert response.status_code == 400
    assert "200 caractères" in text(response)
    assert not Evidence.objects.exists()


def test_file_sizes_read_in_mo_in_the_refusal(client, world, campaign, settings):
    settings.CARE_EVIDENCE_MAX_BYTES = 1024 * 1024
    client.force_login(world.rssi)
    big = samples.PDF + b"0" * (1024 * 1024 + 600 * 1024)
    response = client.post(
        f"/assessments/{campaign.hospital.pk}/evidence/GOV-COMITE/",
        {"kind": "file", "file": samples.upload("gros.pdf", big)},
    )
    page = text(response)
    assert "Ce fichier pèse 1,6 Mo : la limite est de 1 Mo." in page
    shown = shown_text(response.content.decode())
    assert re.search(r"\b(Kio|Mio|Ko|KB|MB|octets?)\b", shown) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_every_size_is_in_mo(size):
    assert format_file_size(size).endswith("\u00a0Mo")


# --- plurals -------------------------------------------------------------------------------------


@given(st.integers(min_value=-5, max_value=10**6))
def test_a_count_agrees_with_its_noun(n):
    shown = format_count(n, "réponse obligatoire", "réponses obligatoires")
    assert shown.endswith("réponse obligatoire" if abs(n) <= 1 else "réponses obligatoires")


def test_counts_on_the_pages(client, world, forms_world):
    client.force_login(world.rssi)
    post_step(client, forms_world.hospital, "1", {"GOV-COMITE": "yes"})
    form = text(client.get(url(forms_world.hospital, "1")))
    assert "1 réponse sur" in form and "1 réponses" not in form
    status = text(client.get(f"/assessments/{forms_world.hospital.pk}/status/"))
    assert "1 réponse sur" in status and "1 réponses" not in status
    assert format_count(19, "réponse obligatoire", "réponses obligatoires") == (
        "19 réponses obligatoires"
    )
    assert format_count(1, "réponse obligatoire", "réponses obligatoires") == (
        "1 réponse obligatoire"
    )
