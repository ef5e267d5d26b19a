"""The GHT membership file reader."""

from pathlib import Path

import pytest

from establishments.ght_file import read_ght_file

HEADER = "code_ght;nom_ght;code_region;finess_ej;support"
DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "finess" / "ght-demo.csv"


def write(tmp_path, lines, encoding="utf-8") -> Path:
    path = tmp_path / "ght.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def messages(result) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


def test_a_valid_file_groups_members_by_ght(tmp_path):
    result = read_ght_file(
        write(
            tmp_path,
            [
                HEADER,
                "GHT84-01;GHT Bresse - Haut-Bugey;84;010780054;oui",
                "GHT84-01;GHT Bresse - Haut-Bugey;84;010000032;non",
                "GHT04-01;GHT de La Réunion;04;970408589;OUI",
            ],
            encoding="utf-8-sig",
        )
    )
    assert result.is_valid
    assert list(result.ghts) == ["GHT84-01", "GHT04-01"]
    bresse = result.ghts["GHT84-01"]
    assert (bresse.name, bresse.region_code, bresse.support_ej) == (
        "GHT Bresse - Haut-Bugey",
        "84",
        "010780054",
    )
    assert [row.finess_ej for row in bresse.members] == ["010780054", "010000032"]
    assert result.ghts["GHT04-01"].name == "GHT de La Réunion"
    assert len(result.rows) == 3


def test_the_demo_file_is_valid():
    result = read_ght_file(DEMO)
    assert result.is_valid, result.errors
    assert len(result.ghts) >= 10
    assert len({ght.region_code for ght in result.ghts.values()}) >= 6


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("GHT84-01;GHT A;84;010780054", "5 champs attendus, 4 trouvés."),
        ("GHT84-01;GHT A;99;010780054;oui", "code région « 99 » inconnu."),
        ("GHT84-01;GHT A;84;010780055;oui", "clé de contrôle"),
        ("GHT84-01;GHT A;84;010780054;peut-être", "« oui » ou « non »"),
        (";GHT A;84;010780054;oui", "code GHT vide"),
        ("GHT84-01;;84;010780054;oui", "nom du GHT vide"),
    ],
)
def test_bad_rows_are_reported_with_their_line(tmp_path, row, expected):
    result = read_ght_file(write(tmp_path, [HEADER, "GHT84-02;GHT B;84;010000032;oui", row]))
    assert not result.is_valid
    assert any(line == 3 and expected in message for line, message in messages(result))


def test_a_ght_needs_exactly_one_support(tmp_path):
    result = read_ght_file(
        write(
            tmp_path,
            [
                HEADER,
                "GHT84-01;GHT A;84;010780054;oui",
                "GHT84-01;GHT A;84;010000032;oui",
                "GHT84-02;GHT B;84;010000024;non",
            ],
        )
    )
    assert messages(result) == [
        (3, "le GHT GHT84-01 a déjà un établissement support (010780054, ligne 2)."),
        (4, "le GHT GHT84-02 n'a pas d'établissement support (support = oui)."),
    ]


def test_a_legal_entity_belongs_to_one_ght(tmp_path):
    result = read_ght_file(
        write(
            tmp_path,
            [HEADER, "GHT84-01;GHT A;84;010780054;oui", "GHT84-02;GHT B;84;010780054;oui"],
        )
    )
    assert messages(result) == [(3, "l'entité juridique 010780054 figure déjà ligne 2.")]


def test_a_ght_is_described_the_same_way_on_every_row(tmp_path):
    result = read_ght_file(
        write(
            tmp_path,
            [HEADER, "GHT84-01;GHT A;84;010780054;oui", "GHT84-01;GHT A bis;84;010000032;non"],
        )
    )
    [(line, message)] = messages(result)
    assert line == 3
    assert "ligne 2" in message


def test_wrong_header(tmp_path):
    result = read_ght_file(write(tmp_path, ["ght;nom;region;ej;support", "x;y;84;010780054;oui"]))
    assert (1, "en-tête attendu : « code_ght;nom_ght;code_region;finess_ej;support ».") in (
        messages(result)
    )


def test_empty_file(tmp_path):
    path = tmp_path / "ght.csv"
    path.write_bytes(b"")
    assert messages(read_ght_file(path)) == [(1, "le fichier est vide.")]


def test_header_only(tmp_path):
    assert messages(read_ght_file(write(tmp_path, [HEADER]))) == [
        (1, "le fichier ne contient aucun membre de GHT.")
    ]


def test_a_file_not_in_utf8(tmp_path):
    path = write(tmp_path, [HEADER, "GHT04-01;GHT de La Réunion;04;970408589;oui"], "latin-1")
    [(line, message)] = messages(read_ght_file(path))
    assert line == 2
    assert "UTF-8" in message
