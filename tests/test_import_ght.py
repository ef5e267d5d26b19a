"""`import_ght`: GHTs, their member legal entities and support establishments."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from establishments.ght_file import read_ght_file
from establishments.models import GHT, Establishment, GHTMember
from establishments.services import import_finess, import_ght
from tests.finess_samples import (
    CAYENNE_EHPAD,
    FELIX_GUYON,
    FLEYRIAT,
    MANIFEST,
    replace_field,
)
from tests.finess_samples import write as write_extract

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "finess"
HEADER = "code_ght;nom_ght;code_region;finess_ej;support"

# Two establishments of the CH de Fleyriat's legal entity (the hospital and a nursing home),
# one of another public entity, and the CHU of La Réunion.
FLEYRIAT_EHPAD = replace_field(
    replace_field(replace_field(CAYENNE_EHPAD, 1, "010000032"), 2, "010780054"), 13, "01"
)
OTHER_CH = replace_field(replace_field(FLEYRIAT, 1, "010000040"), 2, "010780062")
EXTRACT = [MANIFEST, FLEYRIAT_EHPAD, FLEYRIAT, OTHER_CH, FELIX_GUYON]

GHT_ROWS = [
    HEADER,
    "GHT84-01;GHT Bresse - Haut-Bugey;84;010780054;oui",
    "GHT84-01;GHT Bresse - Haut-Bugey;84;010780062;non",
    "GHT04-01;GHT de La Réunion;04;970408589;oui",
]

pytestmark = pytest.mark.django_db


def write_ght(tmp_path, rows, name="ght.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def ght_of(finess: str) -> str | None:
    ght = Establishment.objects.get(finess=finess).ght
    return ght.code if ght else None


@pytest.fixture
def registry(tmp_path):
    assert import_finess(path=write_extract(tmp_path, EXTRACT, name="extract.csv")).ok


def test_import_creates_ghts_members_and_links_establishments(tmp_path, registry):
    summary = import_ght(path=write_ght(tmp_path, GHT_ROWS))

    assert summary.ok
    assert summary.ghts == {"created": 2, "updated": 0, "unchanged": 0}
    assert summary.members == {"created": 3, "updated": 0, "unchanged": 0, "removed": 0}
    assert summary.establishments_linked == 4
    bresse = GHT.objects.get(code="GHT84-01")
    assert (bresse.name, bresse.region_id, bresse.support_ej) == (
        "GHT Bresse - Haut-Bugey",
        "84",
        "010780054",
    )
    # The support establishment is the legal entity's hospital, not its nursing home.
    assert bresse.support_establishment.finess == "010000024"
    assert GHT.objects.get(code="GHT04-01").support_establishment.finess == "970400024"
    assert set(bresse.members.values_list("finess_ej", "is_support")) == {
        ("010780054", True),
        ("010780062", False),
    }
    assert [ght_of(f) for f in ("010000024", "010000032", "010000040", "970400024")] == [
        "GHT84-01",
        "GHT84-01",
        "GHT84-01",
        "GHT04-01",
    ]


def test_reimporting_the_same_file_changes_nothing(tmp_path, registry):
    path = write_ght(tmp_path, GHT_ROWS)
    import_ght(path=path)
    summary = import_ght(path=path)
    assert summary.ghts == {"created": 0, "updated": 0, "unchanged": 2}
    assert summary.members == {"created": 0, "updated": 0, "unchanged": 3, "removed": 0}
    assert summary.establishments_linked == 0


def test_a_new_file_moves_and_removes_members(tmp_path, registry):
    import_ght(path=write_ght(tmp_path, GHT_ROWS))
    rows = [
        HEADER,
        "GHT84-01;GHT Bresse - Haut-Bugey Sud;84;010780062;oui",  # renamed, new support
        "GHT04-01;GHT de La Réunion;04;970408589;oui",
    ]

    summary = import_ght(path=write_ght(tmp_path, rows))

    assert summary.ghts == {"created": 0, "updated": 1, "unchanged": 1}
    assert summary.members == {"created": 0, "updated": 1, "unchanged": 1, "removed": 1}
    assert not GHTMember.objects.filter(finess_ej="010780054").exists()
    assert ght_of("010000024") is None and ght_of("010000032") is None
    bresse = GHT.objects.get(code="GHT84-01")
    assert bresse.name == "GHT Bresse - Haut-Bugey Sud"
    assert bresse.support_establishment.finess == "010000040"


def test_ght_before_finess_then_finess_links_them(tmp_path):
    summary = import_ght(path=write_ght(tmp_path, GHT_ROWS))
    assert summary.ejs_without_establishment == ["010780054", "010780062", "970408589"]
    assert summary.ghts_without_support_establishment == ["GHT04-01", "GHT84-01"]

    import_finess(path=write_extract(tmp_path, EXTRACT, name="extract.csv"))

    assert ght_of("010000024") == "GHT84-01"
    assert GHT.objects.get(code="GHT84-01").support_establishment.finess == "010000024"


def test_a_bad_file_writes_nothing(tmp_path, registry):
    rows = [*GHT_ROWS, "GHT84-02;GHT Nord;84;010780071;oui"]  # bad Luhn key
    summary = import_ght(path=write_ght(tmp_path, rows))
    assert [(error.line, "clé de contrôle" in error.message) for error in summary.errors] == [
        (5, True)
    ]
    assert not GHT.objects.exists()
    assert not GHTMember.objects.exists()
    assert not Establishment.objects.filter(ght__isnull=False).exists()


def test_the_demo_files_import_together(django_assert_max_num_queries):
    import_finess(path=FIXTURES / "finess-demo.csv")
    content = read_ght_file(FIXTURES / "ght-demo.csv")
    with django_assert_max_num_queries(120):
        summary = import_ght(path=FIXTURES / "ght-demo.csv")

    assert summary.ok
    assert GHT.objects.count() == len(content.ghts) >= 10
    assert summary.ejs_without_establishment == []
    assert summary.ghts_without_support_establishment == []
    for ght in GHT.objects.select_related("support_establishment"):
        assert ght.support_establishment.finess_ej == ght.support_ej
        assert ght.support_establishment.kind == "ES"
        assert ght.establishments.exists()


def test_command_prints_the_summary(tmp_path, registry, capsys):
    call_command("import_ght", str(write_ght(tmp_path, GHT_ROWS)))
    out = capsys.readouterr().out
    assert "GHT : 2 créés, 0 mis à jour, 0 inchangés." in out
    assert "Membres : 3 créés" in out


def test_command_fails_with_line_numbered_errors(tmp_path, capsys):
    rows = [HEADER, "GHT84-01;GHT A;99;010780054;oui"]
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_ght", str(write_ght(tmp_path, rows)))
    assert "ligne 2 : code région « 99 » inconnu." in capsys.readouterr().err
