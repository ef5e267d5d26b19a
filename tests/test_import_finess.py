"""`import_finess`: the registry filled from the public FINESS extract."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from establishments.models import GHT, Establishment, Kind, Region
from establishments.services import import_finess
from tests.factories import GHTFactory
from tests.finess_samples import (
    CAYENNE_EHPAD,
    FELIX_GUYON,
    FLEMING,
    FLEYRIAT,
    GEOLOCATION,
    HOPITAL_SIA,
    MANIFEST,
    MAVOUNA,
    PMI_ST_BARTH,
    replace_field,
    write,
)

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "finess" / "finess-demo.csv"
SAMPLE = [MANIFEST, FLEYRIAT, MAVOUNA, FLEMING, CAYENNE_EHPAD, FELIX_GUYON, PMI_ST_BARTH]
SAMPLE_COUNT = 5  # PMI_ST_BARTH is neither ES nor ESSMS

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in Establishment.objects.values_list("finess", "name", "ght_id", "updated_at")
    }


def test_import_creates_the_establishments_with_their_region(tmp_path):
    summary = import_finess(path=write(tmp_path, [*SAMPLE, HOPITAL_SIA, GEOLOCATION]))

    assert summary.ok
    assert summary.counts() == {
        "created": SAMPLE_COUNT,
        "updated": 0,
        "unchanged": 0,
        "skipped_category": 1,
        "skipped_no_ars": 1,
    }
    assert [(s.line, s.finess) for s in summary.skipped_lines] == [(8, "980600027")]
    fleyriat = Establishment.objects.get(finess="010000024")
    assert fleyriat.finess_ej == "010780054"
    assert fleyriat.name == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert fleyriat.kind == Kind.ES
    assert (fleyriat.category_code, fleyriat.category_label) == ("355", "Centre Hospitalier (C.H.)")
    assert fleyriat.aggregated_category_code == "1102"
    assert (fleyriat.department_id, fleyriat.region_id) == ("01", "84")
    assert fleyriat.region.name == "Auvergne-Rhône-Alpes"
    assert fleyriat.legal_status == "Etablissement public de santé"
    assert fleyriat.city == "VIRIAT"
    assert dict(Establishment.objects.values_list("finess", "region_id")) == {
        "010000024": "84",
        "980501506": "06",
        "970100400": "01",
        "970302287": "03",
        "970400024": "04",
    }
    mavouna = Establishment.objects.get(finess="980501506")
    assert mavouna.name == 'LIEU DE VIE ET D\'ACCUEIL "MAVOUNA MEMA 1"'
    assert mavouna.kind == Kind.ESSMS
    assert not Establishment.objects.filter(finess__in=["980600027", "970102018"]).exists()


def test_regions_and_departments_are_seeded():
    assert Region.objects.count() == 18
    assert Region.objects.get(code="94").departments.count() == 2
    assert set(Region.objects.get(code="01").departments.values_list("code", flat=True)) == {"9A"}


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, SAMPLE)
    import_finess(path=path)
    before = snapshot()

    summary = import_finess(path=path)

    assert summary.counts()["created"] == summary.counts()["updated"] == 0
    assert summary.unchanged == SAMPLE_COUNT
    assert snapshot() == before


def test_a_name_change_updates_that_row_only(tmp_path):
    import_finess(path=write(tmp_path, SAMPLE))
    before = snapshot()
    renamed = replace_field(FLEYRIAT, 4, "CENTRE HOSPITALIER FLEYRIAT - BOURG-EN-BRESSE")

    summary = import_finess(path=write(tmp_path, [MANIFEST, renamed, *SAMPLE[2:]]))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, SAMPLE_COUNT - 1)
    after = snapshot()
    changed = {finess for finess in after if after[finess] != before[finess]}
    assert changed == {"010000024"}
    assert after["010000024"][0] == "CENTRE HOSPITALIER FLEYRIAT - BOURG-EN-BRESSE"


def test_an_establishment_that_reopens_is_active_again(tmp_path):
    path = write(tmp_path, SAMPLE)
    import_finess(path=path)
    Establishment.objects.filter(finess="010000024").update(is_active=False)
    summary = import_finess(path=path)
    assert summary.updated == 1
    assert Establishment.objects.get(finess="010000024").is_active


def test_dry_run_counts_and_writes_nothing(tmp_path):
    summary = import_finess(path=write(tmp_path, SAMPLE), dry_run=True)
    assert summary.ok and summary.dry_run
    assert summary.created == SAMPLE_COUNT
    assert not Establishment.objects.exists()

    import_finess(path=write(tmp_path, SAMPLE))
    before = snapshot()
    renamed = replace_field(FLEYRIAT, 4, "NOUVEAU NOM")
    summary = import_finess(path=write(tmp_path, [MANIFEST, renamed, *SAMPLE[2:]]), dry_run=True)
    assert (summary.created, summary.updated) == (0, 1)
    assert snapshot() == before


BAD_LINES = {
    "wrong field count": (FLEYRIAT.rsplit(";", 1)[0], "32 champs attendus"),
    "bad FINESS number": (replace_field(FLEYRIAT, 1, "010000025"), "clé de contrôle"),
    "unknown department": (replace_field(FLEYRIAT, 13, "9Z"), "département « 9Z » inconnu"),
    "name too long": (replace_field(FLEYRIAT, 4, "X" * 300), "trop long"),
}


@pytest.mark.parametrize("case", BAD_LINES)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_written(tmp_path, case):
    import_finess(path=write(tmp_path, [MANIFEST, MAVOUNA]))
    before = snapshot()
    bad_line, expected = BAD_LINES[case]
    renamed = replace_field(MAVOUNA, 4, '"LIEU DE VIE RENOMMÉ"')

    summary = import_finess(path=write(tmp_path, [MANIFEST, renamed, FLEMING, bad_line]))

    assert not summary.ok
    [error] = summary.errors
    assert error.line == 4
    assert expected in error.message
    assert snapshot() == before  # neither the rename nor the new establishment was written


def test_an_undecodable_byte_is_reported_and_nothing_is_written(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(
        b"\n".join([MANIFEST.encode(), FLEYRIAT.encode("utf-8"), b"structureet;\xe9;x"]) + b"\n"
    )
    summary = import_finess(path=path)
    assert [(error.line, "0xE9" in error.message) for error in summary.errors] == [(3, True)]
    assert not Establishment.objects.exists()


def test_an_empty_file_is_reported(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    summary = import_finess(path=path)
    assert [(error.line, error.message) for error in summary.errors] == [
        (1, "le fichier est vide.")
    ]


def test_establishments_join_the_ght_of_their_legal_entity(tmp_path):
    ght = GHTFactory(code="GHT84-01", region=Region.objects.get(code="84"), support_ej="010780054")
    ght.members.create(finess_ej="010780054", is_support=True)

    import_finess(path=write(tmp_path, SAMPLE))

    fleyriat = Establishment.objects.get(finess="010000024")
    assert fleyriat.ght == ght
    assert GHT.objects.get(pk=ght.pk).support_establishment == fleyriat
    assert not Establishment.objects.exclude(pk=fleyriat.pk).filter(ght__isnull=False).exists()


def test_the_demo_extract_imports_over_the_18_regions(django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        summary = import_finess(path=DEMO)

    assert summary.ok
    assert summary.created == Establishment.objects.count() >= 400
    assert Region.objects.filter(establishments__isnull=False).distinct().count() == 18
    assert set(Establishment.objects.values_list("kind", flat=True)) == {Kind.ES, Kind.ESSMS}
    assert summary.skipped["category"] > 0 and summary.skipped["no_ars"] > 0


def test_command_prints_the_summary(tmp_path, capsys):
    path = write(tmp_path, [*SAMPLE, HOPITAL_SIA])
    call_command("import_finess", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "créés : 5" in out
    assert "ignorés (catégorie ni ES ni ESSMS) : 1" in out
    assert "ligne 8 : 980600027 (9J Wallis-et-Futuna)" in out
    assert "rien n'a été enregistré" in out
    assert not Establishment.objects.exists()

    call_command("import_finess", str(path))
    assert Establishment.objects.count() == SAMPLE_COUNT


def test_command_fails_with_line_numbered_errors(tmp_path, capsys):
    path = write(tmp_path, [MANIFEST, FLEYRIAT, replace_field(FLEMING, 13, "")])
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_finess", str(path))
    assert "ligne 3 : département « (vide) » inconnu." in capsys.readouterr().err
    assert not Establishment.objects.exists()


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_finess", str(tmp_path / "nope.csv"))
