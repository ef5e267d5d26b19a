"""French regions (one ARS each) and departments as the FINESS directory codes them.

Pure data, no database: the registry's data migration seeds `Region` and `Department` from it,
and the FINESS reader uses it to check department codes and find each establishment's region.

FINESS codes metropolitan departments as INSEE does ("01" … "95", "2A"/"2B" for Corsica) but
overseas ones with a letter: "9A" Guadeloupe (with Saint-Barthélemy and Saint-Martin), "9B"
Martinique, "9C" Guyane, "9D" La Réunion, "9E" Saint-Pierre-et-Miquelon, "9F" Mayotte, then the
territories of the Pacific. Saint-Pierre-et-Miquelon and the Pacific territories have no ARS
(their health services are run locally): their `region_code` is None, and an importer skips
and reports their establishments.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str  # INSEE region code, e.g. "84"
    name: str


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    code: str  # as FINESS writes it: "01", "2A", "9D"
    name: str
    region_code: str | None  # None: no ARS covers it

    @property
    def has_ars(self) -> bool:
        return self.region_code is not None


REGIONS: tuple[RegionInfo, ...] = (
    RegionInfo("01", "Guadeloupe"),
    RegionInfo("02", "Martinique"),
    RegionInfo("03", "Guyane"),
    RegionInfo("04", "La Réunion"),
    RegionInfo("06", "Mayotte"),
    RegionInfo("11", "Île-de-France"),
    RegionInfo("24", "Centre-Val de Loire"),
    RegionInfo("27", "Bourgogne-Franche-Comté"),
    RegionInfo("28", "Normandie"),
    RegionInfo("32", "Hauts-de-France"),
    RegionInfo("44", "Grand Est"),
    RegionInfo("52", "Pays de la Loire"),
    RegionInfo("53", "Bretagne"),
    RegionInfo("75", "Nouvelle-Aquitaine"),
    RegionInfo("76", "Occitanie"),
    RegionInfo("84", "Auvergne-Rhône-Alpes"),
    RegionInfo("93", "Provence-Alpes-Côte d'Azur"),
    RegionInfo("94", "Corse"),
)

_D = DepartmentInfo

DEPARTMENTS: tuple[DepartmentInfo, ...] = (
    _D("01", "Ain", "84"),
    _D("02", "Aisne", "32"),
    _D("03", "Allier", "84"),
    _D("04", "Alpes-de-Haute-Provence", "93"),
    _D("05", "Hautes-Alpes", "93"),
    _D("06", "Alpes-Maritimes", "93"),
    _D("07", "Ardèche", "84"),
    _D("08", "Ardennes", "44"),
    _D("09", "Ariège", "76"),
    _D("10", "Aube", "44"),
    _D("11", "Aude", "76"),
    _D("12", "Aveyron", "76"),
    _D("13", "Bouches-du-Rhône", "93"),
    _D("14", "Calvados", "28"),
    _D("15", "Cantal", "84"),
    _D("16", "Charente", "75"),
    _D("17", "Charente-Maritime", "75"),
    _D("18", "Cher", "24"),
    _D("19", "Corrèze", "75"),
    _D("2A", "Corse-du-Sud", "94"),
    _D("2B", "Haute-Corse", "94"),
    _D("21", "Côte-d'Or", "27"),
    _D("22", "Côtes-d'Armor", "53"),
    _D("23", "Creuse", "75"),
    _D("24", "Dordogne", "75"),
    _D("25", "Doubs", "27"),
    _D("26", "Drôme", "84"),
    _D("27", "Eure", "28"),
    _D("28", "Eure-et-Loir", "24"),
    _D("29", "Finistère", "53"),
    _D("30", "Gard", "76"),
    _D("31", "Haute-Garonne", "76"),
    _D("32", "Gers", "76"),
    _D("33", "Gironde", "75"),
    _D("34", "Hérault", "76"),
    _D("35", "Ille-et-Vilaine", "53"),
    _D("36", "Indre", "24"),
    _D("37", "Indre-et-Loire", "24"),
    _D("38", "Isère", "84"),
    _D("39", "Jura", "27"),
    _D("40", "Landes", "75"),
    _D("41", "Loir-et-Cher", "24"),
    _D("42", "Loire", "84"),
    _D("43", "Haute-Loire", "84"),
    _D("44", "Loire-Atlantique", "52"),
    _D("45", "Loiret", "24"),
    _D("46", "Lot", "76"),
    _D("47", "Lot-et-Garonne", "75"),
    _D("48", "Lozère", "76"),
    _D("49", "Maine-et-Loire", "52"),
    _D("50", "Manche", "28"),
    _D("51", "Marne", "44"),
    _D("52", "Haute-Marne", "44"),
    _D("53", "Mayenne", "52"),
    _D("54", "Meurthe-et-Moselle", "44"),
    _D("55", "Meuse", "44"),
    _D("56", "Morbihan", "53"),
    _D("57", "Moselle", "44"),
    _D("58", "Nièvre", "27"),
    _D("59", "Nord", "32"),
    _D("60", "Oise", "32"),
    _D("61", "Orne", "28"),
    _D("62", "Pas-de-Calais", "32"),
    _D("63", "Puy-de-Dôme", "84"),
    _D("64", "Pyrénées-Atlantiques", "75"),
    _D("65", "Hautes-Pyrénées", "76"),
    _D("66", "Pyrénées-Orientales", "76"),
    _D("67", "Bas-Rhin", "44"),
    _D("68", "Haut-Rhin", "44"),
    _D("69", "Rhône", "84"),
    _D("70", "Haute-Saône", "27"),
    _D("71", "Saône-et-Loire", "27"),
    _D("72", "Sarthe", "52"),
    _D("73", "Savoie", "84"),
    _D("74", "Haute-Savoie", "84"),
    _D("75", "Paris", "11"),
    _D("76", "Seine-Maritime", "28"),
    _D("77", "Seine-et-Marne", "11"),
    _D("78", "Yvelines", "11"),
    _D("79", "Deux-Sèvres", "75"),
    _D("80", "Somme", "32"),
    _D("81", "Tarn", "76"),
    _D("82", "Tarn-et-Garonne", "76"),
    _D("83", "Var", "93"),
    _D("84", "Vaucluse", "93"),
    _D("85", "Vendée", "52"),
    _D("86", "Vienne", "75"),
    _D("87", "Haute-Vienne", "75"),
    _D("88", "Vosges", "44"),
    _D("89", "Yonne", "27"),
    _D("90", "Territoire de Belfort", "27"),
    _D("91", "Essonne", "11"),
    _D("92", "Hauts-de-Seine", "11"),
    _D("93", "Seine-Saint-Denis", "11"),
    _D("94", "Val-de-Marne", "11"),
    _D("95", "Val-d'Oise", "11"),
    # Overseas: FINESS letters instead of the INSEE codes 971 … 976.
    _D("9A", "Guadeloupe", "01"),
    _D("9B", "Martinique", "02"),
    _D("9C", "Guyane", "03"),
    _D("9D", "La Réunion", "04"),
    _D("9E", "Saint-Pierre-et-Miquelon", None),
    _D("9F", "Mayotte", "06"),
    # Pacific territories: in FINESS, outside any ARS.
    _D("9J", "Wallis-et-Futuna", None),
    _D("9K", "Polynésie française", None),
    _D("9L", "Nouvelle-Calédonie", None),
)

REGIONS_BY_CODE: dict[str, RegionInfo] = {region.code: region for region in REGIONS}
DEPARTMENTS_BY_CODE: dict[str, DepartmentInfo] = {dep.code: dep for dep in DEPARTMENTS}


# The INSEE codes people know overseas departments and territories by (FINESS writes letters).
INSEE_CODE_OF_FINESS = {
    "9A": "971",
    "9B": "972",
    "9C": "973",
    "9D": "974",
    "9E": "975",
    "9F": "976",
    "9J": "986",
    "9K": "987",
    "9L": "988",
}


def department_display_code(code: str | None) -> str:
    """A department's code as shown to people: "69", "2A", "971" for Guadeloupe (FINESS "9A").

    Only for display: imports, filters and exports keep the FINESS code."""
    if not code:
        return ""
    return INSEE_CODE_OF_FINESS.get(code, code)


def get_department(code: str) -> DepartmentInfo | None:
    """The department FINESS writes as `code`, or None when FINESS has no such code."""
    return DEPARTMENTS_BY_CODE.get(code)


def departments_with_ars() -> tuple[DepartmentInfo, ...]:
    """The departments covered by one of the 18 ARS (those the registry stores)."""
    return tuple(dep for dep in DEPARTMENTS if dep.has_ars)
