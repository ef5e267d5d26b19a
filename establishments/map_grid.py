"""Where each region and department sits on the portal's tile maps.

A tile map draws each area as an equal square on a grid that keeps France's shape: regions on a
hand-placed grid (overseas regions in a row below), a region's departments placed from their
prefecture's position, snapped to a grid. Equal squares let small areas (Paris and its inner
suburbs) be read as easily as large ones; the portal ships no outlines.
"""

from __future__ import annotations

import math

# (column, row) of each region, by INSEE code; row 6 holds the overseas regions.
REGION_CELLS: dict[str, tuple[int, int]] = {
    "32": (2, 0),  # Hauts-de-France
    "53": (0, 1),  # Bretagne
    "28": (1, 1),  # Normandie
    "11": (2, 1),  # Île-de-France
    "44": (3, 1),  # Grand Est
    "52": (1, 2),  # Pays de la Loire
    "24": (2, 2),  # Centre-Val de Loire
    "27": (3, 2),  # Bourgogne-Franche-Comté
    "75": (1, 3),  # Nouvelle-Aquitaine
    "84": (3, 3),  # Auvergne-Rhône-Alpes
    "76": (2, 4),  # Occitanie
    "93": (3, 4),  # Provence-Alpes-Côte d'Azur
    "94": (4, 5),  # Corse
    "01": (0, 6),  # Guadeloupe
    "02": (1, 6),  # Martinique
    "03": (2, 6),  # Guyane
    "04": (3, 6),  # La Réunion
    "06": (4, 6),  # Mayotte
}

# Short names shown inside a region's tile (ISO 3166-2:FR letters); the full name is beside.
REGION_SHORT_NAMES: dict[str, str] = {
    "32": "HDF",
    "53": "BRE",
    "28": "NOR",
    "11": "IDF",
    "44": "GES",
    "52": "PDL",
    "24": "CVL",
    "27": "BFC",
    "75": "NAQ",
    "84": "ARA",
    "76": "OCC",
    "93": "PAC",
    "94": "COR",
    "01": "GUA",
    "02": "MTQ",
    "03": "GUF",
    "04": "REU",
    "06": "MAY",
}

# Latitude and longitude of each metropolitan department's prefecture, rounded (FINESS codes).
PREFECTURES: dict[str, tuple[float, float]] = {
    "01": (46.20, 5.22), "02": (49.56, 3.62), "03": (46.57, 3.33), "04": (44.09, 6.24),
    "05": (44.56, 6.08), "06": (43.70, 7.27), "07": (44.74, 4.60), "08": (49.77, 4.72),
    "09": (42.97, 1.61), "10": (48.30, 4.08), "11": (43.21, 2.35), "12": (44.35, 2.57),
    "13": (43.30, 5.37), "14": (49.18, -0.37), "15": (44.93, 2.44), "16": (45.65, 0.16),
    "17": (46.16, -1.15), "18": (47.08, 2.40), "19": (45.27, 1.77), "21": (47.32, 5.04),
    "22": (48.51, -2.76), "23": (46.17, 1.87), "24": (45.18, 0.72), "25": (47.24, 6.02),
    "26": (44.93, 4.89), "27": (49.02, 1.15), "28": (48.45, 1.49), "29": (48.00, -4.10),
    "2A": (41.92, 8.74), "2B": (42.70, 9.45), "30": (43.84, 4.36), "31": (43.60, 1.44),
    "32": (43.65, 0.59), "33": (44.84, -0.58), "34": (43.61, 3.88), "35": (48.11, -1.68),
    "36": (46.81, 1.69), "37": (47.39, 0.69), "38": (45.19, 5.72), "39": (46.67, 5.55),
    "40": (43.89, -0.50), "41": (47.59, 1.33), "42": (45.44, 4.39), "43": (45.04, 3.88),
    "44": (47.22, -1.55), "45": (47.90, 1.91), "46": (44.45, 1.44), "47": (44.20, 0.62),
    "48": (44.52, 3.50), "49": (47.47, -0.55), "50": (49.12, -1.09), "51": (48.96, 4.36),
    "52": (48.11, 5.14), "53": (48.07, -0.77), "54": (48.69, 6.18), "55": (48.77, 5.16),
    "56": (47.66, -2.76), "57": (49.12, 6.18), "58": (46.99, 3.16), "59": (50.63, 3.06),
    "60": (49.43, 2.08), "61": (48.43, 0.09), "62": (50.29, 2.78), "63": (45.78, 3.08),
    "64": (43.30, -0.37), "65": (43.23, 0.08), "66": (42.70, 2.90), "67": (48.58, 7.75),
    "68": (48.08, 7.36), "69": (45.76, 4.84), "70": (47.62, 6.15), "71": (46.31, 4.83),
    "72": (48.00, 0.20), "73": (45.56, 5.92), "74": (45.90, 6.13), "75": (48.86, 2.35),
    "76": (49.44, 1.10), "77": (48.54, 2.66), "78": (48.80, 2.13), "79": (46.32, -0.46),
    "80": (49.89, 2.30), "81": (43.93, 2.15), "82": (44.02, 1.35), "83": (43.12, 5.93),
    "84": (43.95, 4.81), "85": (46.67, -1.43), "86": (46.58, 0.34), "87": (45.83, 1.26),
    "88": (48.17, 6.45), "89": (47.80, 3.57), "90": (47.64, 6.86), "91": (48.63, 2.44),
    "92": (48.89, 2.21), "93": (48.91, 2.44), "94": (48.79, 2.46), "95": (49.04, 2.08),
}  # fmt: skip


def department_cells(codes: list[str]) -> dict[str, tuple[int, int]]:
    """A grid cell per department, near where its prefecture lies relative to the others.

    Departments without a known position (overseas, one per region) go in a row below. Each
    department takes the free cell nearest its position, the most crowded first, so that
    neighbours stay neighbours.
    """
    placed = [c for c in codes if c in PREFECTURES]
    others = [c for c in codes if c not in PREFECTURES]
    cells: dict[str, tuple[int, int]] = {}
    if placed:
        # Longitude shrinks with latitude; y grows southwards.
        points = {
            c: (PREFECTURES[c][1] * math.cos(math.radians(46.5)), -PREFECTURES[c][0])
            for c in placed
        }
        xs = [p[0] for p in points.values()]
        ys = [p[1] for p in points.values()]
        span_x = max(xs) - min(xs) or 1.0
        span_y = max(ys) - min(ys) or 1.0
        # About one cell per department, in the region's proportions.
        cols = max(1, round(math.sqrt(len(placed) * span_x / span_y)) + 1)
        rows = max(1, round(math.sqrt(len(placed) * span_y / span_x)) + 1)
        scaled = {
            c: ((x - min(xs)) / span_x * (cols - 1), (y - min(ys)) / span_y * (rows - 1))
            for c, (x, y) in points.items()
        }

        def crowding(code: str) -> float:
            x, y = scaled[code]
            return -sum(1 for ox, oy in scaled.values() if abs(ox - x) < 1 and abs(oy - y) < 1)

        free = {(col, row) for col in range(cols + 1) for row in range(rows + 1)}
        for code in sorted(placed, key=lambda c: (crowding(c), c)):
            x, y = scaled[code]
            cell = min(free, key=lambda cr: ((cr[0] - x) ** 2 + (cr[1] - y) ** 2, cr))
            free.discard(cell)
            cells[code] = cell
        # Drop the empty columns and rows left between the tiles.
        used_cols = sorted({col for col, _row in cells.values()})
        used_rows = sorted({row for _col, row in cells.values()})
        cells = {
            code: (used_cols.index(col), used_rows.index(row)) for code, (col, row) in cells.items()
        }
    bottom = max((row for _col, row in cells.values()), default=-1) + 1
    for i, code in enumerate(sorted(others)):
        cells[code] = (i, bottom)
    return cells
