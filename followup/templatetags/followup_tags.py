"""Template tags that put the follow-up actions on other apps' pages."""

from django import template

from followup.selection import OWN_PARAMS

register = template.Library()


@register.inclusion_tag("followup/includes/selection_form.html", takes_context=True)
def followup_selection_form(context) -> dict:
    """The form of the regional dashboard's list: relaunch or bulk reports for a selection."""
    request = context["request"]
    dashboard = context["dashboard"]
    hidden = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in OWN_PARAMS
        for value in values
        if value != ""
    ]
    if dashboard.campaign and "campaign" not in request.GET:
        hidden.append(("campaign", str(dashboard.campaign.year)))
    page_obj = context.get("page_obj")
    return {
        "region": dashboard.region,
        "hidden": hidden,
        "matching": page_obj.paginator.count if page_obj else None,
    }
