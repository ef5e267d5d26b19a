"""Real lines of the public FINESS extract (etalab-cs1100502-stock-20260512), for the tests."""

from pathlib import Path

MANIFEST = "finess;etalab;111;2026-05-12"
FLEYRIAT = (
    "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE "
    "FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre "
    "Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements "
    "Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;"
    "2020-02-04;"
)
MAVOUNA = (
    'structureet;980501506;980501498;"LIEU DE VIE ""MAVOUNA MEMA 1""";"LIEU DE VIE ET '
    'D\'ACCUEIL ""MAVOUNA MEMA 1""";ASSOCIATION MESSO;;12;R;ANCIEN TERRAIN DE FOOT;;;606;9F;'
    "MAYOTTE;97620 CHIRONGUI;0269666815;;462;Lieux de Vie et d'Accueil;4605;Etablissements et "
    "services multi-clientèles;82967998400015;;08;Président du Conseil Départemental;;;"
    "2019-04-01;2019-03-18;2025-05-07;"
)
FLEMING = (
    "structureet;970100400;970100186;C.H. LOUIS CONSTANT FLEMING;CENTRE HOSPITALIER LOUIS "
    "CONSTANT FLEMING;CH LOUIS CONSTANT FLEMING;;;;;;BP 381;127;9A;GUADELOUPE;97150 ST MARTIN;"
    "0590522525;0590522630;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;"
    "26971036400028;;03;ARS établissements Publics de santé dotation globale;1;Etablissement "
    "public de santé;1951-01-01;1951-01-01;2024-04-08;"
)
CMPP_MARTINIQUE = (
    "structureet;970210126;970210118;CMPP  INTERSECTORIEL ALOES;CMPP INTERSECTORIEL;;;;;"
    "ZAC CHAMPIGNY;;BP 71 IMMEUBLE SEMAFA;207;9B;MARTINIQUE;97224 DUCOS;0596748677;0596748631;"
    "189;Centre Médico-Psycho-Pédagogique (C.M.P.P.);4106;Services à Domicile ou Ambulatoires "
    "pour Handicapés;50254756500015;;57;DGS ARS & hébergement PCD - sous CPOM;;;2008-04-14;"
    "2007-11-14;2017-02-21;"
)
CAYENNE_EHPAD = (
    "structureet;970302287;970302022;E.H.P.A.D. EDMAR LAMA DE CAYENNE;E.H.P.A.D. DU CENTRE "
    "HOSPITALIER DE CAYENNE;;;;AV;ALEXIS BLAISE;;BP 6006;302;9C;GUYANE;97306 CAYENNE CEDEX;"
    "0594395050;0594305150;500;Etablissement d'hébergement pour personnes âgées dépendantes;"
    "4401;Etablissements d'Hébergement pour Personnes Âgées;;8710A;40;ARS/PCD, Tarif global, "
    "habilité aide sociale, recours PUI;;;1988-05-02;2017-01-03;2024-04-22;"
)
FELIX_GUYON = (
    "structureet;970400024;970408589;CHU SITE FELIX GUYON (SAINT DENIS);CHU SITE FELIX GUYON "
    "(SAINT DENIS);;;;ALL;DES TOPAZES;;CS 11021;411;9D;LA REUNION;97405 ST DENIS CEDEX;"
    "0262905050;0262905051;101;Centre Hospitalier Régional (C.H.R.);1101;Centres Hospitaliers "
    "Régionaux;20003001300011;8610Z;03;ARS établissements Publics de santé dotation globale;1;"
    "Etablissement public de santé;1957-07-01;1957-07-01;2023-11-13;"
)
PMI_ST_BARTH = (
    "structureet;970102018;970113015;PMI SAINT BARTHELEMY;PMI SAINT BARTHELEMY;PMI CMS DE "
    "GUSTAVIA;;4;R;AUGUST NYMAN;;;123;9A;GUADELOUPE;97133 ST BARTHELEMY;0590276027;;223;"
    "Protection Maternelle et Infantile (P.M.I.);2202;Etablissements de PMI et de Planification "
    "Familiale;;;01;Etablissement Tarif Libre;;;1964-01-01;1964-01-01;2019-02-15;"
)
HOPITAL_SIA = (
    "structureet;980600027;980600019;HOPITAL DE SIA;;;;;;;;BP 4 - MATA'UTU;613;9J;WALLIS ET "
    "FUTUNA;98600 UVEA;;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;"
    "13000323900014;;99;Indéterminé;1;Etablissement public de santé;2024-10-30;2024-10-30;"
    "2024-10-30;"
)
GEOLOCATION = (
    "geolocalisation;010000024;870262.2;6571540.8;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / "
    "Lambert-93 (Métropole);2026-05-04"
)


def write(tmp_path, lines, encoding="latin-1", newline="\n", name="extract.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def replace_field(line: str, index: int, value: str) -> str:
    """`line` with its field number `index` (0 = the line type) set to `value`."""
    fields = line.split(";")
    fields[index] = value
    return ";".join(fields)
