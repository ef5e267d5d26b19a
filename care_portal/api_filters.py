"""Filters of the API: a filter given with an empty value is an error (400), never ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext as _


class ApiFilterSet(django_filters.FilterSet):
    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and not str(self.data.get(name, "")).strip():
                self.form.add_error(
                    name, _("Valeur vide : donnez une valeur ou retirez ce paramètre.")
                )
                valid = False
        return valid


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year), with bounds, where NumberFilter would take decimals."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=None, max_value=None, **kwargs):
        kwargs.setdefault("min_value", min_value)
        kwargs.setdefault("max_value", max_value)
        super().__init__(*args, **kwargs)
