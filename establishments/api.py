"""REST API of the registry: establishments within the caller's scope."""

import django_filters
from rest_framework import serializers, viewsets

from care_portal.api_filters import ApiFilterSet
from establishments.models import Establishment, Kind, Nis2Status


class EstablishmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")
    department = serializers.CharField(source="department_id")
    ght = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Establishment
        fields = [
            "finess",
            "finess_ej",
            "name",
            "kind",
            "category_code",
            "category_label",
            "department",
            "region",
            "ght",
            "legal_status",
            "nis2_status",
            "nis2_origin",
            "is_ose",
            "regulatory_set_at",
        ]


class EstablishmentApiFilter(ApiFilterSet):
    region = django_filters.CharFilter(field_name="region_id")
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    ght = django_filters.CharFilter(field_name="ght__code")
    department = django_filters.CharFilter(field_name="department_id")
    nis2_status = django_filters.ChoiceFilter(choices=Nis2Status.choices)
    is_ose = django_filters.BooleanFilter()

    class Meta:
        model = Establishment
        fields = ["region", "kind", "ght", "department", "nis2_status", "is_ose"]


class EstablishmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EstablishmentSerializer
    filterset_class = EstablishmentApiFilter
    lookup_field = "finess"
    lookup_value_regex = "[0-9AB]{9}"

    def get_queryset(self):
        return (
            Establishment.objects.for_user(self.request.user)
            .select_related("ght")
            .order_by("finess")
        )
