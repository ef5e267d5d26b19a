"""System checks of the assessments app."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from referential.headlines import Headline


@checks.register(checks.Tags.models)
def headline_columns(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every headline fed by answers has its nullable boolean column on the score snapshot."""
    from assessments.models import ScoreSnapshot

    errors = []
    for headline in Headline:
        name = headline.snapshot_field
        if name is None:
            continue
        try:
            column = ScoreSnapshot._meta.get_field(name)
        except FieldDoesNotExist:
            column = None
        if not isinstance(column, models.BooleanField) or not column.null:
            errors.append(
                checks.Error(
                    f"The headline {headline.value!r} has no nullable BooleanField "
                    f"ScoreSnapshot.{name}.",
                    hint="Add the column and its migration (True met, False not met, None unknown).",
                    obj=ScoreSnapshot,
                    id="assessments.E001",
                )
            )
    return errors
