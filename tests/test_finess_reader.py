"""The FINESS extract reader, on lines in the real etalab format."""

from datetime import date
from pathlib import Path

import pytest

from establishments.finess import (
    ES,
    ESSMS,
    FIELD_COUNT,
    SKIP_CATEGORY,
    SKIP_NO_ARS,
    FinessReader,
)
from fixtures.finess import make_demo_extract
from tests.finess_samples import (
    CAYENNE_EHPAD,
    CMPP_MARTINIQUE,
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

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "finess" / "finess-demo.csv"


def read(path, **kwargs):
    reader = FinessReader(path, **kwargs)
    records = list(reader)
    return reader, records


def messages(reader) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in reader.errors]


def test_a_real_hospital_line_gives_a_typed_record(tmp_path):
    reader, records = read(write(tmp_path, [MANIFEST, FLEYRIAT]))

    assert reader.is_valid
    assert reader.extract_date == date(2026, 5, 12)
    [record] = records
    assert record.line == 2
    assert record.finess == "010000024"
    assert record.finess_ej == "010780054"
    assert record.short_name == "CH DE FLEYRIAT"
    assert record.name == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert record.kind == ES
    assert (record.category_code, record.category_label) == ("355", "Centre Hospitalier (C.H.)")
    assert record.aggregated_category_code == "1102"
    assert record.aggregated_category_label == "Centres Hospitaliers"
    assert (record.department_code, record.region_code) == ("01", "84")
    assert (record.postcode, record.city) == ("01440", "VIRIAT")
    assert (record.sph_code, record.sph_label) == ("1", "Etablissement public de santé")
    assert record.opened_on == date(1979, 2, 13)


def test_quoted_names_with_doubled_quotes_are_unquoted(tmp_path):
    reader, [record] = read(write(tmp_path, [MANIFEST, MAVOUNA]))

    assert reader.is_valid
    assert record.short_name == 'LIEU DE VIE "MAVOUNA MEMA 1"'
    assert record.name == 'LIEU DE VIE ET D\'ACCUEIL "MAVOUNA MEMA 1"'
    assert record.kind == ESSMS
    assert (record.department_code, record.region_code) == ("9F", "06")


def test_a_quoted_field_may_hold_a_semicolon(tmp_path):
    line = replace_field(FLEYRIAT, 4, '"CH FLEYRIAT; SITE PRINCIPAL"')
    reader, [record] = read(write(tmp_path, [MANIFEST, line]))
    assert reader.is_valid
    assert record.name == "CH FLEYRIAT; SITE PRINCIPAL"


def test_overseas_departments_map_to_their_ars(tmp_path):
    lines = [MANIFEST, FLEMING, CMPP_MARTINIQUE, CAYENNE_EHPAD, FELIX_GUYON, MAVOUNA]
    reader, records = read(write(tmp_path, lines))

    assert reader.is_valid
    assert [(r.department_code, r.region_code, r.kind) for r in records] == [
        ("9A", "01", ES),
        ("9B", "02", ESSMS),
        ("9C", "03", ESSMS),
        ("9D", "04", ES),
        ("9F", "06", ESSMS),
    ]
    assert records[2].city == "CAYENNE"  # the CEDEX mention is not part of the town


def test_corsican_numbers_and_departments(tmp_path):
    line = replace_field(replace_field(FLEYRIAT, 1, "2A0000100"), 2, "2A0780000")
    line = replace_field(line, 13, "2A")
    reader, [record] = read(write(tmp_path, [MANIFEST, line]))
    assert reader.is_valid
    assert (record.finess, record.department_code, record.region_code) == ("2A0000100", "2A", "94")


def test_categories_neither_es_nor_essms_are_skipped_and_counted(tmp_path):
    pharmacy = replace_field(replace_field(FLEYRIAT, 20, "3201"), 18, "620")
    reader, records = read(write(tmp_path, [MANIFEST, PMI_ST_BARTH, pharmacy, FLEYRIAT]))

    assert reader.is_valid
    assert [record.finess for record in records] == ["010000024"]
    assert reader.skipped[SKIP_CATEGORY] == 2
    assert reader.counts.structures == 3


def test_a_department_without_ars_is_skipped_and_reported(tmp_path):
    reader, records = read(write(tmp_path, [MANIFEST, FLEYRIAT, HOPITAL_SIA]))

    assert reader.is_valid
    assert [record.finess for record in records] == ["010000024"]
    assert reader.skipped[SKIP_NO_ARS] == 1
    [skipped] = reader.skipped_lines
    assert (skipped.line, skipped.finess) == (3, "980600027")
    assert "Wallis-et-Futuna" in skipped.detail


def test_geolocation_lines_are_ignored(tmp_path):
    reader, records = read(write(tmp_path, [MANIFEST, FLEYRIAT, GEOLOCATION]))
    assert reader.is_valid
    assert len(records) == 1
    assert reader.counts.geolocations == 1


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_latin1_and_utf8_files_read_the_same(tmp_path, encoding, newline):
    path = write(tmp_path, [MANIFEST, FLEYRIAT, CAYENNE_EHPAD], encoding=encoding, newline=newline)
    reader, records = read(path)

    assert reader.is_valid
    assert reader.encoding_label == ("latin-1" if encoding == "latin-1" else "UTF-8")
    assert records[1].category_label == (
        "Etablissement d'hébergement pour personnes âgées dépendantes"
    )
    assert records[1].aggregated_category_label.endswith("Personnes Âgées")
    assert records[1].city == "CAYENNE"


def test_windows_typographic_quotes_are_read_in_latin1_files(tmp_path):
    line = replace_field(FLEYRIAT, 4, "CENTRE HOSPITALIER L’ŒUVRE")
    reader, [record] = read(write(tmp_path, [MANIFEST, line], encoding="cp1252"))
    assert reader.is_valid
    assert record.name == "CENTRE HOSPITALIER L’ŒUVRE"


# --- bad input: every problem with its line number ------------------------------------------


def test_wrong_field_count(tmp_path):
    short = FLEYRIAT.rsplit(";", 2)[0]  # two fields missing
    reader, records = read(write(tmp_path, [MANIFEST, FLEYRIAT, short, FLEYRIAT + ";x"]))

    assert [record.line for record in records] == [2]
    assert messages(reader) == [
        (3, f"{FIELD_COUNT} champs attendus dans une ligne structureet, 30 trouvés."),
        (4, f"{FIELD_COUNT} champs attendus dans une ligne structureet, 33 trouvés."),
    ]
    assert str(reader.errors[0]).startswith("ligne 3 : ")


def test_bad_finess_numbers(tmp_path):
    bad_key = replace_field(FLEYRIAT, 1, "010000025")
    bad_ej = replace_field(FELIX_GUYON, 2, "97040858")
    reader, records = read(write(tmp_path, [MANIFEST, bad_key, bad_ej]))

    assert records == []
    [(line1, message1), (line2, message2)] = messages(reader)
    assert line1 == 2
    assert "FINESS ET" in message1 and "010000025" in message1 and "clé" in message1
    assert line2 == 3
    assert "FINESS EJ" in message2 and "9 caractères" in message2


def test_unknown_department(tmp_path):
    line = replace_field(FLEYRIAT, 13, "9Z")
    reader, _records = read(write(tmp_path, [MANIFEST, line]))
    assert messages(reader) == [(2, "département « 9Z » inconnu.")]


def test_the_same_establishment_twice(tmp_path):
    reader, _records = read(write(tmp_path, [MANIFEST, FLEYRIAT, CAYENNE_EHPAD, FLEYRIAT]))
    assert messages(reader) == [(4, "l'établissement 010000024 figure déjà ligne 2.")]


def test_undecodable_byte_in_a_utf8_file(tmp_path):
    path = tmp_path / "extract.csv"
    lines = [MANIFEST.encode(), FLEYRIAT.encode("utf-8"), b"structureet;\xff;broken"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    reader, records = read(path)

    assert len(records) == 1
    [(line, message)] = messages(reader)
    assert line == 3
    assert "0xFF" in message and "UTF-8" in message


def test_byte_undefined_in_latin1_windows_encoding(tmp_path):
    path = tmp_path / "extract.csv"
    bad = replace_field(FLEYRIAT, 3, "CH DE FLEYRIAT").encode("latin-1").replace(b"DE P", b"\x81")
    path.write_bytes(b"\n".join([MANIFEST.encode(), FLEYRIAT.encode("latin-1"), bad]) + b"\n")
    reader, _records = read(path)

    [(line, message)] = messages(reader)
    assert line == 3
    assert "0x81" in message


def test_a_file_mixing_latin1_and_utf8(tmp_path):
    path = tmp_path / "extract.csv"
    lines = [MANIFEST.encode(), FLEYRIAT.encode("latin-1"), CAYENNE_EHPAD.encode("utf-8")]
    path.write_bytes(b"\n".join(lines) + b"\n")
    reader, _records = read(path)
    [(line, message)] = messages(reader)
    assert line == 3
    assert "UTF-8" in message


@pytest.mark.parametrize("content", [b"", b"\n", b"  \r\n\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    reader, records = read(path)
    assert records == []
    assert messages(reader) == [(1, "le fichier est vide.")]


def test_missing_manifest(tmp_path):
    reader, records = read(write(tmp_path, [FLEYRIAT, CAYENNE_EHPAD]))
    assert len(records) == 2  # the lines are still checked, to report everything at once
    [(line, message)] = messages(reader)
    assert line == 1
    assert "finess;etalab" in message


def test_manifest_without_establishments(tmp_path):
    reader, _records = read(write(tmp_path, [MANIFEST]))
    assert messages(reader) == [(1, "le fichier ne contient aucune ligne « structureet ».")]


def test_unknown_line_type(tmp_path):
    reader, _records = read(write(tmp_path, [MANIFEST, "structureej;010780054;CH;;"]))
    [(line, message)] = messages(reader)
    assert line == 2
    assert "structureej" in message


def test_errors_are_capped_but_counted(tmp_path):
    lines = [MANIFEST, *[replace_field(FLEYRIAT, 13, "XX")] * 30]
    reader, _records = read(write(tmp_path, lines), max_errors=5)
    assert len(reader.errors) == 5
    assert reader.error_count == 30
    assert not reader.is_valid


# --- streaming and the demo extract ---------------------------------------------------------


def test_the_reader_streams_the_file(tmp_path):
    lines = [MANIFEST, FLEYRIAT, *[GEOLOCATION] * 1000]
    reader = FinessReader(write(tmp_path, lines))
    first = next(iter(reader))
    assert first.finess == "010000024"
    assert reader.counts.lines == 2  # nothing past the first establishment was read yet


def test_a_reader_is_read_once(tmp_path):
    reader = FinessReader(write(tmp_path, [MANIFEST, FLEYRIAT])).read_all()
    with pytest.raises(RuntimeError):
        list(reader)


def test_the_demo_extract_is_valid_and_spread_over_the_18_regions():
    reader = FinessReader(DEMO)
    records = list(reader)

    assert reader.is_valid, reader.errors[:5]
    assert reader.encoding_label == "latin-1"
    assert 350 <= len(records) <= 500
    assert {record.region_code for record in records} >= {
        "01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76",
        "84", "93", "94",
    }  # fmt: skip
    assert {record.kind for record in records} == {ES, ESSMS}
    assert {"2A", "2B", "9A", "9B", "9C", "9D", "9F"} <= {r.department_code for r in records}
    assert any('"' in record.name for record in records)
    assert any("'" in record.name for record in records)
    assert reader.skipped[SKIP_CATEGORY] > 0
    assert reader.skipped[SKIP_NO_ARS] >= 1
    assert reader.counts.geolocations == reader.counts.structures


def test_the_demo_extract_is_the_generator_output(tmp_path):
    generator = make_demo_extract
    extract_path, ght_path = generator.write(tmp_path)
    assert extract_path.read_bytes() == DEMO.read_bytes()
    assert ght_path.read_bytes() == (DEMO.parent / "ght-demo.csv").read_bytes()
