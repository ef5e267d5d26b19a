"""System checks of the assessments app."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from referential.headlines import Headline


def missing_headline_columns(model: type[models.Model]) -> list[str]:
    """The headline columns (``hl_*``) that ``model`` lacks as nullable boolean fields."""
    missing = []
    for headline in Headline:
        name = headline.snapshot_field
        if name is None:
            continue  # read from the assessment's status
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:
            column = None
        if not isinstance(column, models.BooleanField) or not column.null:
            missing.append(name)
    return missing


@checks.register(checks.Tags.models)
def headline_columns(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every headline fed by answers has its nullable boolean column on the score snapshot."""
    from assessments.models import ScoreSnapshot

    return [
        checks.Error(
            f"ScoreSnapshot has no nullable BooleanField {name!r} for its headline target.",
            hint="Add the column and its migration (True met, False not met, None unknown).",
            obj=ScoreSnapshot,
            id="assessments.E001",
        )
        for name in missing_headline_columns(ScoreSnapshot)
    ]
