"""Display helpers of the dashboards: French numbers and shares."""

from django import template

from care_portal.charts import format_number

register = template.Library()


@register.filter
def number(value, unit: str = "") -> str:
    """12.345 → "12,3"; with a unit: "12,3 %"; None → "—"."""
    return format_number(value, unit)


@register.filter
def percent(value) -> str:
    return format_number(value, "%")


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
