"""Display helpers of the dashboards: French numbers and shares."""

from django import template

from care_portal.charts import format_number
from dashboards.tables import figures_table

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


@register.simple_tag(takes_context=True)
def breakdown_table(context, rows, caption, group_header):
    """A breakdown table (see dashboards.tables) for the dashboard in the context."""
    return figures_table(
        rows,
        caption=caption,
        group_header=group_header,
        targets=context["dashboard"].targets,
        link_query=context.get("campaign_query", ""),
    )
