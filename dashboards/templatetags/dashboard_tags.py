"""Display helpers of the dashboards (numbers and shares: the builtin filters of
`care_portal.template_formats`)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from dashboards.dashboard import GHT_LEVEL, REGION
from dashboards.tables import establishment_rows, figures_table, filter_field

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


# The arrow of the column the list is sorted by.
_SORT_ARROWS = {"ascending": " ▲", "descending": " ▼"}


@register.simple_tag(takes_context=True)
def sort_header(context, key, label):
    """A sortable column's header: the link that sorts the list by it, and its ``aria-sort``
    state (``sort_columns`` of the context, see ``dashboards.views``)."""
    column = context["sort_columns"][key]
    arrow = _SORT_ARROWS.get(column["state"])
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="care-sort" href="{}#etablissements">{}{}'
        '<span class="fr-sr-only"> — {}</span></a></th>',
        column["state"],
        column["url"],
        label,
        format_html(' <span aria-hidden="true">{}</span>', arrow.strip()) if arrow else "",
        _("trier"),
    )


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
