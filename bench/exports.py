"""Benchmark of the dashboards' XLSX export of the establishment list, at national size.

    .venv/bin/python -m bench.exports [--rows 10000] [--repeat 3] [--openpyxl]

Writes the establishment list's XLSX file (the portal's columns, headline flags and links) from
rows shaped like the dashboard's query yields (no database: the query side is measured by
`bench.dashboards`), and reads the response to its end. Prints the median wall and CPU time,
the time per row, and the floor measured in the same run: building every row's cell values
without writing them (with `--openpyxl`, also the same sheet written by openpyxl). Peak memory
(tracemalloc, in a separate pass) at the size and at twice the size shows whether the export is
streamed: the peak must not grow with the rows.
Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date

from bench import bootstrap

bootstrap.setup(throwaway=True)

from openpyxl import Workbook  # noqa: E402

from care_portal.spreadsheets import SheetColumn, write_sheet  # noqa: E402
from dashboards.exports import decorated, establishment_columns, xlsx_response  # noqa: E402
from dashboards.figures import PROGRESS  # noqa: E402
from establishments.models import Nis2Status  # noqa: E402
from referential.headlines import Headline  # noqa: E402
from referential.targets import HeadlineTarget  # noqa: E402

GOAL_SECONDS_45K = 5.0
KINDS = ("ES", "ESSMS")


def targets() -> list[HeadlineTarget]:
    return [
        HeadlineTarget(
            key=headline.value,
            label=str(headline.label),
            share=0.8,
            population="ES",
            deadline=date(2026, 12, 31),
            deadline_label="fin 2026",
            kinds=KINDS if i % 2 else ("ES",),
            requirement_code=f"REQ-{i}",
            care_action="",
        )
        for i, headline in enumerate(list(Headline)[:6])
    ]


def rows(count: int, shown: list[HeadlineTarget]):
    """Rows as `Dashboard.rows` yields them (one dict per establishment)."""
    rng = random.Random(19)
    statuses = list(Nis2Status.values)
    for i in range(count):
        started = rng.random() < 0.7
        row = {
            "finess": f"{10000000 + i:09d}",
            "name": f"Centre hospitalier n° {i} de la région",
            "kind": KINDS[i % 2],
            "category_label": "Centre hospitalier",
            "legal_status": "Public",
            "department_id": f"{1 + i % 95:02d}",
            "region_id": "84",
            "ght__code": f"GHT-{i % 135}" if i % 3 else None,
            "nis2_status": statuses[i % len(statuses)],
            "is_ose": (True, False, None, "n/a")[i % 4],
            "progress": rng.randrange(len(PROGRESS)) if started else 0,
            "score": rng.random() * 100 if started else None,
            "score_care": rng.random() * 100 if started else None,
            "incidents": rng.randrange(4),
            "assessment_id": i + 1 if started else None,
        }
        for target in shown:
            row[f"hl_{target.key}"] = rng.choice((True, False, None))
            row[f"plan_{target.key}"] = rng.random() < 0.1
        yield row


REGION_NAMES = {"84": "Auvergne-Rhône-Alpes"}


def export(count: int) -> int:
    shown = targets()
    columns = establishment_columns(shown, "https://care.example.fr", REGION_NAMES)
    response = xlsx_response(columns, decorated(rows(count, shown), shown), "export", "Liste")
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return size


def openpyxl_export(count: int) -> None:
    """The same sheet through openpyxl's write-only workbook (the shared rules' other writer)."""
    shown = targets()
    columns = establishment_columns(shown, "https://care.example.fr", REGION_NAMES)
    workbook = Workbook(write_only=True)
    write_sheet(
        workbook,
        "Liste",
        [SheetColumn(c.header, c.width, c.number_format) for c in columns],
        ([c.xlsx_value(item) for c in columns] for item in decorated(rows(count, shown), shown)),
    )
    with tempfile.TemporaryFile() as file:
        workbook.save(file)


def floor(count: int) -> int:
    """The cell values alone: what any writer needs before it writes."""
    shown = targets()
    columns = establishment_columns(shown, "https://care.example.fr", REGION_NAMES)
    cells = 0
    for item in decorated(rows(count, shown), shown):
        cells += len([c.xlsx_value(item) for c in columns])
    return cells


def timed(function, count: int, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, started = time.process_time(), time.perf_counter()
        function(count)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def peak(count: int) -> float:
    tracemalloc.start()
    export(count)
    _current, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl, once")
    options = parser.parse_args()
    count = options.rows
    print(f"rows: {count:,}; medians of {options.repeat} runs")
    wall, cpu = timed(export, count, options.repeat)
    floor_wall, floor_cpu = timed(floor, count, options.repeat)
    old_wall, old_cpu = timed(openpyxl_export, count, 1) if options.openpyxl else (0, 0)
    goal = GOAL_SECONDS_45K * count / 45_000
    print(
        f"XLSX export      wall {wall:6.2f} s  CPU {cpu:6.2f} s  "
        f"{cpu / count * 1000:.3f} ms/row  goal ≤ {goal:.2f} s at this size "
        f"(≤ {GOAL_SECONDS_45K:.0f} s at 45,000 rows; projected {cpu / count * 45_000:.1f} s CPU)"
    )
    print(
        f"floor (values)   wall {floor_wall:6.2f} s  CPU {floor_cpu:6.2f} s  "
        f"{floor_cpu / count * 1000:.3f} ms/row  export/floor {cpu / floor_cpu:.1f}×"
    )
    if options.openpyxl:
        print(
            f"openpyxl (1 run) wall {old_wall:6.2f} s  CPU {old_cpu:6.2f} s  "
            f"{old_cpu / count * 1000:.3f} ms/row  openpyxl/export {old_cpu / cpu:.1f}×"
        )
    small, large = peak(count), peak(2 * count)
    print(
        f"peak memory      {small:6.1f} MiB at {count:,} rows, {large:6.1f} MiB at "
        f"{2 * count:,} rows (streamed: the same)"
    )


if __name__ == "__main__":
    main()
