"""Benchmark of the FINESS import on a generated extract of 100,000 lines.

    .venv/bin/python -m bench.finess [--lines N] [--skip-import]

Prints the time of one reading pass and its peak Python memory (tracemalloc, which slows it),
then the time of the full import (validation pass + upsert) into a fresh SQLite database in a
temporary directory, or into the database of `DATABASE_URL` when it is set, and of a second,
unchanged import.
Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench import bootstrap

bootstrap.setup(throwaway=True, unless_configured=True)

from django.core.management import call_command  # noqa: E402

from establishments.finess import FinessReader  # noqa: E402
from establishments.services import import_finess  # noqa: E402
from fixtures.finess import make_demo_extract  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        extract, _ght = make_demo_extract.write(tmp_path, lines=args.lines)
        size = extract.stat().st_size / 1e6
        line_count = sum(1 for _line in extract.open("rb"))
        print(f"extract: {line_count} lines, {size:.1f} MB, generated in {_since(started)}")

        started = time.perf_counter()
        FinessReader(extract).read_all()
        print(f"read: {_since(started)}")

        tracemalloc.start()
        started = time.perf_counter()
        reader = FinessReader(extract).read_all()
        elapsed = _since(started)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"read under tracemalloc: {elapsed}, peak memory {peak / 1e6:.1f} MB, "
            f"{dict(reader.counts.records)} records, skipped {dict(reader.skipped)}, "
            f"{reader.error_count} errors"
        )

        if args.skip_import:
            return
        call_command("migrate", verbosity=0)
        for label in ("import (empty database)", "import again (nothing changes)"):
            started = time.perf_counter()
            summary = import_finess(path=extract, dry_run=False)
            print(f"{label}: {_since(started)}, {summary.counts_text()}")
        tracemalloc.start()
        import_finess(path=extract, dry_run=False)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"import peak memory (tracemalloc): {peak / 1e6:.1f} MB")


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.2f} s"


if __name__ == "__main__":
    main()
