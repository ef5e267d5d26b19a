"""Tasks for the workers' tests: each run leaves a file named after the task and the process."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def leave_trace(directory: str, name: str, seconds: float = 0) -> str:
    """Sleeps `seconds` between a "started" and a "done" file."""
    folder = Path(directory)
    (folder / f"{name}.started.{os.getpid()}").touch()
    time.sleep(seconds)
    (folder / f"{name}.done.{os.getpid()}").touch()
    return name


@task()
def hang_the_first_time(directory: str, name: str) -> str:
    """The first run hangs (until its worker is killed); a run after that finishes at once."""
    folder = Path(directory)
    first = not any(folder.glob(f"{name}.started.*"))
    (folder / f"{name}.started.{os.getpid()}").touch()
    if first:
        time.sleep(600)
    (folder / f"{name}.done.{os.getpid()}").touch()
    return name
