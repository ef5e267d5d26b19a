"""Reader of a GHT membership file.

A `;`-separated UTF-8 file with a header line, one row per member legal entity (FINESS EJ):

    code_ght;nom_ght;code_region;finess_ej;support
    GHT-84-01;GHT Bresse Haut-Bugey;84;010780054;oui

`support` is `oui` for the GHT's support establishment (exactly one per GHT), `non` otherwise.
An optional sixth column, `part_activite`, gives the entity's share of the GHT's combined activity
in percent (`42,5` or `42.5`, 0 to 100; empty: unknown); a file without it keeps the shares
already recorded. The shares of one GHT may not add up to more than 100 %.
The whole file is checked and every problem is reported with its line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from establishments.finess import LineError, split_line
from establishments.geography import REGIONS_BY_CODE
from establishments.validators import finess_error

HEADER = ("code_ght", "nom_ght", "code_region", "finess_ej", "support")
SHARE_COLUMN = "part_activite"
YES = {"oui", "o", "1", "true", "vrai"}
NO = {"non", "n", "0", "false", "faux"}
CODE_MAX_LENGTH = 20
NAME_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class GHTRow:
    line: int
    code: str
    name: str
    region_code: str
    finess_ej: str
    is_support: bool
    # Percent of the GHT's activity; None when the file has no such column or leaves it empty.
    activity_share: Decimal | None = None


@dataclass
class GHTEntry:
    """One GHT as the file describes it."""

    code: str
    name: str
    region_code: str
    line: int  # its first row
    members: list[GHTRow] = field(default_factory=list)

    @property
    def support_ej(self) -> str:
        return next((row.finess_ej for row in self.members if row.is_support), "")


@dataclass
class GHTFile:
    ghts: dict[str, GHTEntry] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)
    has_shares: bool = False  # the optional `part_activite` column is there

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> list[GHTRow]:
        return [row for ght in self.ghts.values() for row in ght.members]


def read_ght_file(path: str | Path) -> GHTFile:
    """Read and check the whole file (a few thousand rows at most)."""
    result = GHTFile()
    errors = result.errors
    member_lines: dict[str, int] = {}
    number = 0
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                errors.append(
                    LineError(
                        number,
                        _("octet 0x%(byte)02X illisible : le fichier doit être en UTF-8.")
                        % {"byte": raw[exc.start]},
                    )
                )
                continue
            if not text.strip():
                continue
            fields = [value.strip() for value in split_line(text)]
            if number == 1:
                header = tuple(value.lower() for value in fields)
                result.has_shares = header == (*HEADER, SHARE_COLUMN)
                if header != HEADER and not result.has_shares:
                    errors.append(
                        LineError(
                            1,
                            _("en-tête attendu : « %(header)s ».") % {"header": ";".join(HEADER)},
                        )
                    )
                continue
            row = _row(fields, number, errors, with_share=result.has_shares)
            if row is not None:
                _add(result, row, member_lines)
    if number == 0:
        errors.append(LineError(1, _("le fichier est vide.")))
    elif not result.ghts and not errors:
        errors.append(LineError(number, _("le fichier ne contient aucun membre de GHT.")))
    for ght in result.ghts.values():
        supports = [row for row in ght.members if row.is_support]
        if not supports:
            errors.append(
                LineError(
                    ght.line,
                    _("le GHT %(code)s n'a pas d'établissement support (support = oui).")
                    % {"code": ght.code},
                )
            )
        total = sum(row.activity_share or 0 for row in ght.members)
        if total > 100:
            errors.append(
                LineError(
                    ght.line,
                    _("les parts d'activité du GHT %(code)s dépassent 100 %% (%(total)s %%).")
                    % {"code": ght.code, "total": total},
                )
            )
        for extra in supports[1:]:
            errors.append(
                LineError(
                    extra.line,
                    _("le GHT %(code)s a déjà un établissement support (%(ej)s, ligne %(line)s).")
                    % {"code": ght.code, "ej": supports[0].finess_ej, "line": supports[0].line},
                )
            )
    errors.sort(key=lambda error: error.line)
    return result


def _share(text: str, problems: list[str]) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".").removesuffix("%").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        problems.append(
            _("part d'activité « %(value)s » : un pourcentage de 0 à 100 est attendu.")
            % {"value": text}
        )
        return None
    if value != value.quantize(Decimal("0.01")):
        problems.append(
            _("part d'activité « %(value)s » : deux décimales au plus.") % {"value": text}
        )
        return None
    return value


def _row(
    fields: list[str], number: int, errors: list[LineError], *, with_share: bool = False
) -> GHTRow | None:
    expected = len(HEADER) + with_share
    if len(fields) != expected:
        errors.append(
            LineError(
                number,
                _("%(expected)s champs attendus, %(found)s trouvés.")
                % {"expected": expected, "found": len(fields)},
            )
        )
        return None
    code, name, region_code, finess_ej, support = fields[: len(HEADER)]
    problems = []
    share = _share(fields[-1], problems) if with_share else None
    if not code or len(code) > CODE_MAX_LENGTH:
        problems.append(
            _("code GHT vide ou trop long (%(max)s caractères au plus).") % {"max": CODE_MAX_LENGTH}
        )
    if not name or len(name) > NAME_MAX_LENGTH:
        problems.append(_("nom du GHT vide ou trop long."))
    if region_code not in REGIONS_BY_CODE:
        problems.append(_("code région « %(code)s » inconnu.") % {"code": region_code})
    if message := finess_error(finess_ej):
        problems.append(_("FINESS EJ : %(message)s") % {"message": message})
    if support.lower() not in YES | NO:
        problems.append(
            _("support doit valoir « oui » ou « non », pas « %(value)s ».") % {"value": support}
        )
    for problem in problems:
        errors.append(LineError(number, problem))
    if problems:
        return None
    return GHTRow(number, code, name, region_code, finess_ej, support.lower() in YES, share)


def _add(result: GHTFile, row: GHTRow, member_lines: dict[str, int]) -> None:
    errors = result.errors
    if row.finess_ej in member_lines:
        errors.append(
            LineError(
                row.line,
                _("l'entité juridique %(ej)s figure déjà ligne %(line)s.")
                % {"ej": row.finess_ej, "line": member_lines[row.finess_ej]},
            )
        )
        return
    member_lines[row.finess_ej] = row.line
    ght = result.ghts.get(row.code)
    if ght is None:
        ght = result.ghts[row.code] = GHTEntry(row.code, row.name, row.region_code, row.line)
    elif (ght.name, ght.region_code) != (row.name, row.region_code):
        errors.append(
            LineError(
                row.line,
                _(
                    "le GHT %(code)s est décrit autrement ligne %(line)s "
                    "(nom « %(name)s », région %(region)s)."
                )
                % {"code": ght.code, "line": ght.line, "name": ght.name, "region": ght.region_code},
            )
        )
        return
    ght.members.append(row)
