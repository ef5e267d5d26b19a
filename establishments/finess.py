"""Streaming reader of the public FINESS extract of establishments.

The file is the one published on data.gouv.fr as "FINESS Extraction du Fichier des
établissements" (`etalab-cs1100502-stock-*.csv`, or `cs1100507` with the geolocation): no header,
`;`-separated, fields quoted with `"` when they need it (a quote inside is doubled), written in
latin-1 (UTF-8 is accepted too). Its first line is a manifest (`finess;etalab;<n>;<date>`), then
come `structureet` lines of 32 fields (the last one empty) and `geolocalisation` lines, which are
ignored here.

The reader goes through the file line by line and never holds it whole. It yields one
`FinessRecord` per health (ES) or social and medico-social (ESSMS) establishment, classified by
the aggregated category (`categagretab`: 1xxx = ES, 4xxx = ESSMS); other categories, and
establishments of a department no ARS covers, are skipped and counted. Problems are collected as
`LineError`s with their line numbers; the caller decides what to do with a file that has any.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from pathlib import Path

from django.utils.translation import gettext as _

from establishments.geography import get_department
from establishments.validators import finess_error

FIELD_COUNT = 32
MANIFEST_TAG = "finess"
STRUCTURE_TAG = "structureet"
GEOLOCATION_TAG = "geolocalisation"

ES = "ES"
ESSMS = "ESSMS"

# Why an establishment line is not imported (keys of `FinessReader.skipped`).
SKIP_CATEGORY = "category"  # neither ES nor ESSMS (pharmacies, laboratories, PMI…)
SKIP_NO_ARS = "no_ars"  # a department outside the 18 ARS (Wallis-et-Futuna…)

UTF8 = "utf-8"
# Latin-1 files are in practice written by Windows tools: windows-1252 reads every latin-1
# letter the same way and also the typographic quotes and "œ" that land in the 0x80-0x9F range.
LATIN1 = "cp1252"
ENCODING_LABELS = {UTF8: "UTF-8", LATIN1: "latin-1"}

_UTF8_BOM = b"\xef\xbb\xbf"
_CEDEX = re.compile(r"\s+CEDEX(\s+\d+)?$", re.IGNORECASE)


class Column(IntEnum):
    """Position of each field of a `structureet` line (the order of the etalab documentation)."""

    SECTION = 0  # "structureet"
    FINESS = 1  # nofinesset
    FINESS_EJ = 2  # nofinessej
    SHORT_NAME = 3  # rs
    LONG_NAME = 4  # rslongue
    NAME_COMPLEMENT = 5  # complrs
    DISTRIBUTION_COMPLEMENT = 6  # compldistrib
    STREET_NUMBER = 7  # numvoie
    STREET_TYPE = 8  # typvoie
    STREET = 9  # voie
    STREET_INDEX = 10  # compvoie
    LOCALITY = 11  # lieuditbp
    COMMUNE = 12  # commune (INSEE code within the department)
    DEPARTMENT = 13  # departement
    DEPARTMENT_LABEL = 14  # libdepartement
    ROUTING = 15  # ligneacheminement ("01440 VIRIAT")
    PHONE = 16  # telephone
    FAX = 17  # telecopie
    CATEGORY = 18  # categetab
    CATEGORY_LABEL = 19  # libcategetab
    AGGREGATED_CATEGORY = 20  # categagretab
    AGGREGATED_CATEGORY_LABEL = 21  # libcategagretab
    SIRET = 22  # siret
    APE = 23  # codeape
    TARIFF = 24  # codemft
    TARIFF_LABEL = 25  # libmft
    SPH = 26  # codesph
    SPH_LABEL = 27  # libsph
    OPENED_ON = 28  # dateouv
    AUTHORISED_ON = 29  # dateautor
    UPDATED_ON = 30  # datemaj
    UAI = 31  # numuai (empty in the public files)


@dataclass(frozen=True, slots=True)
class FinessRecord:
    """One establishment (ES or ESSMS) of the extract, with the line it came from."""

    line: int
    finess: str
    finess_ej: str
    short_name: str
    long_name: str
    kind: str  # ES or ESSMS
    category_code: str
    category_label: str
    aggregated_category_code: str
    aggregated_category_label: str
    department_code: str
    region_code: str
    commune_code: str
    postcode: str
    city: str
    siret: str
    tariff_code: str
    tariff_label: str
    sph_code: str
    sph_label: str
    opened_on: date | None
    updated_on: date | None

    @property
    def name(self) -> str:
        """The long name when the file gives one, else the short one."""
        return self.long_name or self.short_name


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class SkippedLine:
    line: int
    finess: str
    reason: str
    detail: str


@dataclass
class _Counts:
    lines: int = 0
    structures: int = 0
    geolocations: int = 0
    records: Counter = field(default_factory=Counter)  # kind -> count


class FinessReader:
    """One pass over a FINESS extract.

    Iterate over the reader to get the records; afterwards `errors`, `skipped`, `counts`,
    `encoding` and `extract_date` describe the file. A reader can be iterated once; create
    another one for a second pass.
    """

    def __init__(self, path: str | Path, *, max_errors: int = 200, max_skipped: int = 1000):
        self.path = Path(path)
        self.max_errors = max_errors
        self.max_skipped = max_skipped
        self.errors: list[LineError] = []
        self.error_count = 0
        self.skipped: Counter[str] = Counter()
        self.skipped_lines: list[SkippedLine] = []  # department without ARS, for the report
        self.counts = _Counts()
        self.encoding: str | None = None
        self.extract_date: date | None = None
        self._seen: dict[str, int] = {}
        self._consumed = False

    # --- results ------------------------------------------------------------------------------

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding or "", "ASCII")

    def read_all(self) -> FinessReader:
        """Go through the whole file (for validation) without keeping the records."""
        for _record in self:
            pass
        return self

    # --- reading ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[FinessRecord]:
        if self._consumed:
            raise RuntimeError("A FinessReader can only be iterated once.")
        self._consumed = True
        with self.path.open("rb") as handle:
            yield from self._read(handle)

    def _read(self, handle) -> Iterator[FinessRecord]:
        number = 0
        blank_only = True
        manifest_seen = False
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(_UTF8_BOM):
                raw = raw[len(_UTF8_BOM) :]
                self.encoding = UTF8
            self.counts.lines = number
            text = self._decode(raw, number)
            if text is None:
                blank_only = False
                continue
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            blank_only = False
            fields = split_line(text)
            tag = fields[0].strip().lower()
            if number == 1 and tag == MANIFEST_TAG:
                manifest_seen = True
                self.extract_date = _parse_date(fields[-1])
                continue
            if tag == STRUCTURE_TAG:
                self.counts.structures += 1
                record = self._structure(fields, number)
                if record is not None:
                    self.counts.records[record.kind] += 1
                    yield record
            elif tag == GEOLOCATION_TAG:
                self.counts.geolocations += 1
            elif tag == MANIFEST_TAG:
                self.add_error(number, _("en-tête « finess;… » répété en cours de fichier."))
            else:
                self.add_error(
                    number,
                    _(
                        "type de ligne « %(tag)s » inconnu (attendu : structureet ou "
                        "geolocalisation)."
                    )
                    % {"tag": fields[0][:30]},
                )
        if blank_only:
            self.add_error(1, _("le fichier est vide."))
        elif not manifest_seen:
            self.add_error(
                1,
                _(
                    "la première ligne doit être l'en-tête d'un extrait FINESS "
                    "(« finess;etalab;… »)."
                ),
            )
        elif self.counts.structures == 0 and self.error_count == 0:
            self.add_error(number, _("le fichier ne contient aucune ligne « structureet »."))
        self.errors.sort(key=lambda error: error.line)

    def _decode(self, raw: bytes, number: int) -> str | None:
        if raw.isascii():
            return raw.decode("ascii")
        if self.encoding is None:
            # The first line with a non-ASCII byte decides the encoding of the whole file.
            try:
                text = raw.decode(UTF8)
            except UnicodeDecodeError:
                self.encoding = LATIN1
            else:
                self.encoding = UTF8
                return text
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            self.add_error(
                number,
                _(
                    "octet 0x%(byte)02X illisible en %(encoding)s (caractère n° %(position)s) : "
                    "le fichier doit être entièrement en latin-1 ou entièrement en UTF-8."
                )
                % {
                    "byte": raw[exc.start],
                    "encoding": ENCODING_LABELS[self.encoding],
                    "position": exc.start + 1,
                },
            )
            return None
        if self.encoding == LATIN1 and _is_utf8_text(raw):
            self.add_error(
                number,
                _(
                    "ligne encodée en UTF-8 alors que le début du fichier est en latin-1 : "
                    "le fichier doit être entièrement dans un seul encodage."
                ),
            )
            return None
        return text

    def _structure(self, fields: list[str], number: int) -> FinessRecord | None:
        if len(fields) != FIELD_COUNT:
            self.add_error(
                number,
                _("%(expected)s champs attendus dans une ligne structureet, %(found)s trouvés.")
                % {"expected": FIELD_COUNT, "found": len(fields)},
            )
            return None
        values = [value.strip() for value in fields]
        aggregated = values[Column.AGGREGATED_CATEGORY]
        kind = ES if aggregated.startswith("1") else ESSMS if aggregated.startswith("4") else None
        if kind is None:
            self.skipped[SKIP_CATEGORY] += 1
            return None

        finess = values[Column.FINESS]
        finess_ej = values[Column.FINESS_EJ]
        problems = []
        if message := finess_error(finess):
            problems.append(_("FINESS ET : %(message)s") % {"message": message})
        if message := finess_error(finess_ej):
            problems.append(_("FINESS EJ : %(message)s") % {"message": message})
        if not (values[Column.SHORT_NAME] or values[Column.LONG_NAME]):
            problems.append(_("raison sociale manquante."))
        values[Column.SIRET] = values[Column.SIRET].replace(" ", "")
        siret = values[Column.SIRET]
        if siret and not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
            problems.append(
                _("SIRET « %(siret)s » invalide : 14 chiffres attendus (ou champ vide).")
                % {"siret": siret[:40]}
            )
        department_code = values[Column.DEPARTMENT]
        department = get_department(department_code)
        if department is None:
            problems.append(
                _("département « %(code)s » inconnu.") % {"code": department_code or "(vide)"}
            )
        if not problems and finess in self._seen:
            problems.append(
                _("l'établissement %(finess)s figure déjà ligne %(line)s.")
                % {"finess": finess, "line": self._seen[finess]}
            )
        if problems:
            for problem in problems:
                self.add_error(number, problem)
            return None
        self._seen[finess] = number

        if not department.has_ars:
            self.skipped[SKIP_NO_ARS] += 1
            if len(self.skipped_lines) < self.max_skipped:
                self.skipped_lines.append(
                    SkippedLine(
                        number,
                        finess,
                        SKIP_NO_ARS,
                        f"{department.code} {department.name}",
                    )
                )
            return None

        postcode, city = _split_routing(values[Column.ROUTING])
        return FinessRecord(
            line=number,
            finess=finess,
            finess_ej=finess_ej,
            short_name=values[Column.SHORT_NAME],
            long_name=values[Column.LONG_NAME],
            kind=kind,
            category_code=values[Column.CATEGORY],
            category_label=values[Column.CATEGORY_LABEL],
            aggregated_category_code=aggregated,
            aggregated_category_label=values[Column.AGGREGATED_CATEGORY_LABEL],
            department_code=department.code,
            region_code=department.region_code,
            commune_code=values[Column.COMMUNE],
            postcode=postcode,
            city=city,
            siret=values[Column.SIRET],
            tariff_code=values[Column.TARIFF],
            tariff_label=values[Column.TARIFF_LABEL],
            sph_code=values[Column.SPH],
            sph_label=values[Column.SPH_LABEL],
            opened_on=_parse_date(values[Column.OPENED_ON]),
            updated_on=_parse_date(values[Column.UPDATED_ON]),
        )

    def add_error(self, number: int, message: str) -> None:
        """Record a problem of line `number` (also used by callers with checks of their own)."""
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(LineError(number, message))


def split_line(text: str) -> list[str]:
    """The `;`-separated fields of one line; quoted fields may hold `;` and doubled quotes."""
    if '"' not in text:
        return text.split(";")
    return next(csv.reader([text], delimiter=";", quotechar='"', doublequote=True))


def _is_utf8_text(raw: bytes) -> bool:
    try:
        raw.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _split_routing(routing: str) -> tuple[str, str]:
    """("01440", "VIRIAT") from "01440 VIRIAT"; CEDEX suffixes are dropped from the city."""
    postcode, _sep, city = routing.partition(" ")
    if not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
        return "", _CEDEX.sub("", routing).strip()
    return postcode, _CEDEX.sub("", city).strip()


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
