"""Display helpers of the dashboards (numbers and shares: the builtin filters of
`care_portal.template_formats`)."""

from django import template

from dashboards.dashboard import GHT_LEVEL, REGION
from dashboards.tables import establishment_rows, figures_table, filter_field

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def cost_of(plan, source):
    """The estimated cost of a group's actions paid by one funding source."""
    return plan.cost_of(source)


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


@register.simple_tag(takes_context=True)
def establishment_list_rows(context, rows):
    """The establishment list's body rows (see dashboards.tables) for the dashboard in the
    context: a regional list lets the ARS select establishments; a GHT's has no GHT column."""
    dashboard = context["dashboard"]
    return establishment_rows(
        list(rows),
        selectable=dashboard.level == REGION and bool(dashboard.region),
        with_ght=dashboard.level != GHT_LEVEL,
        targets=dashboard.targets,
    )


register.simple_tag(filter_field, name="filter_field")
