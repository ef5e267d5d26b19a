"""Benchmark of the FINESS import on a generated extract of 100,000 lines.

    .venv/bin/python bench/finess.py [--lines N] [--skip-import]

Prints the time of one reading pass and its peak Python memory (tracemalloc, which slows it),
then the time of the full import (validation pass + upsert) into a fresh SQLite database in a
temporary directory, or into the database of `DATABASE_URL` when it is set, and of a second,
unchanged import.
Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_generator():
    path = ROOT / "fixtures" / "finess" / "make_demo_extract.py"
    spec = importlib.util.spec_from_file_location("make_demo_extract", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'bench.sqlite3'}")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings")
        import django

        django.setup()

        started = time.perf_counter()
        extract, _ght = load_generator().write(tmp_path, lines=args.lines)
        size = extract.stat().st_size / 1e6
        line_count = sum(1 for _line in extract.open("rb"))
        print(f"extract: {line_count} lines, {size:.1f} MB, generated in {_since(started)}")

        from establishments.finess import FinessReader

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
        from django.core.management import call_command

        from establishments.services import import_finess

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
