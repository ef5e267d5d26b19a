"""Filters of the establishment list (page and API), limited to what the person may see."""

import django_filters
from django.utils.translation import gettext_lazy as _

from establishments.models import GHT, Department, Establishment, Kind, Region


class EstablishmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Nom ou numéro FINESS"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.none(), label=_("Région"), empty_label=_("Toutes")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(), label=_("Département"), empty_label=_("Tous")
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Type"), empty_label=_("Tous"))
    ght = django_filters.ModelChoiceFilter(
        queryset=GHT.objects.none(),
        field_name="ght",
        to_field_name="code",
        label=_("GHT"),
        empty_label=_("Tous"),
    )

    class Meta:
        model = Establishment
        fields = ["q", "region", "department", "kind", "ght"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Each choice list reads the distinct values of the visible establishments (one pass
        # over them), not the visible establishments of every region, department or GHT.
        visible = Establishment.objects.for_user(user).order_by()
        self.filters["region"].queryset = Region.objects.filter(
            code__in=visible.values("region_id").distinct()
        )
        self.filters["department"].queryset = Department.objects.filter(
            code__in=visible.values("department_id").distinct()
        )
        self.filters["ght"].queryset = GHT.objects.filter(
            pk__in=visible.values("ght_id").distinct()
        )

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if len(value) == 9 and value.isascii() and value[:2].isalnum() and value[2:].isdigit():
            return queryset.filter(finess=value.upper())
        return queryset.filter(name__icontains=value)
