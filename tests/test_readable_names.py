"""Establishment names in readable case on pages, e-mails and reports; FINESS's text in exports."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from establishments.names import ACRONYMS, SMALL_WORDS, readable_name
from followup.services import create_relaunch
from reports.content import build_report

CAPITAL_NAME = "CENTRE HOSPITALIER DE CHAMBERY"


@pytest.mark.parametrize(
    ("finess", "shown"),
    [
        (CAPITAL_NAME, "Centre Hospitalier de Chambery"),
        ("CENTRE HOSPITALIER D'ALBERTVILLE-MOUTIERS", "Centre Hospitalier d'Albertville-Moutiers"),
        ("CHU GRENOBLE ALPES", "CHU Grenoble Alpes"),
        ("EHPAD LES TILLEULS", "EHPAD les Tilleuls"),
        ("L'HOPITAL DU PAYS SUR LOIRE ET EN MER", "L'Hopital du Pays sur Loire et en Mer"),
        ("CH AIX-LES-BAINS SSR USLD", "CH Aix-les-Bains SSR USLD"),
        ("GHT SAVOIE BELLEY", "GHT Savoie Belley"),
        ("RESIDENCE LOUIS XIV", "Residence Louis XIV"),
        ("HÔPITAL PRIVÉ DES ÉCRINS", "Hôpital Privé des Écrins"),
        ("Centre hospitalier de Villefranche", "Centre hospitalier de Villefranche"),
    ],
)
def test_capital_names_read_in_readable_case(finess, shown):
    assert readable_name(finess) == shown


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÉÈÊÀÂÎÔÛÇ"
words = st.one_of(
    st.text(alphabet=LETTERS, min_size=1, max_size=12),
    st.sampled_from(sorted(ACRONYMS)),
    st.sampled_from(sorted(w.upper() for w in SMALL_WORDS)),
)
capital_names = st.lists(
    st.tuples(words, st.sampled_from([" ", "-", "'", " (", ") ", " / ", " 2 "])),
    min_size=1,
    max_size=8,
).map(lambda parts: "".join(word + sep for word, sep in parts).strip())


@given(capital_names)
def test_only_the_case_changes_and_twice_is_once(name):
    shown = readable_name(name)
    assert len(shown) == len(name)
    assert shown.lower() == name.lower()  # no letter other than its case, nothing else
    assert readable_name(shown) == shown
    assert shown[:1] == name[:1]  # the first letter stays a capital


@given(st.lists(st.sampled_from(sorted(ACRONYMS)), min_size=1, max_size=5), words)
def test_acronyms_stay_in_capitals(acronyms, word):
    name = " ".join([word, *acronyms])
    assert readable_name(name).split(" ")[1:] == acronyms


@given(st.text(min_size=1, max_size=40).filter(lambda text: any(c.islower() for c in text)))
def test_a_name_with_lowercase_letters_is_shown_as_given(name):
    assert readable_name(name) == name


@pytest.fixture
def capital_hospital(world, campaign):
    world.hospital.name = CAPITAL_NAME
    world.hospital.save()
    return campaign


@pytest.mark.django_db
def test_pages_e_mails_and_the_report_show_the_readable_name(client, world, capital_hospital):
    client.force_login(world.rssi)
    assessment = capital_hospital.hospital
    for url in (
        reverse("establishments:detail", args=[world.hospital.finess]),
        f"/assessments/{assessment.pk}/",
        f"/assessments/{assessment.pk}/exercises/",
    ):
        page = client.get(url).content.decode()
        assert "Centre Hospitalier de Chambery" in page, url
        assert CAPITAL_NAME not in page, url
    report = build_report(assessment)
    assert report.establishment.display_name == "Centre Hospitalier de Chambery"
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital],
        subject="Relance",
        message="Merci.",
        criteria={"mode": "ticked"},
    )
    body = mail.outbox[-1].body
    assert "aux RSSI de Centre Hospitalier de Chambery" in body and CAPITAL_NAME not in body


@pytest.mark.django_db
def test_exports_keep_the_registry_s_text(client, world, capital_hospital):
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region_export", args=["84"]), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = {row["Établissement"] for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert CAPITAL_NAME in names
