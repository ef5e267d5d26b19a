"""Template tags that put the follow-up actions on other apps' pages."""

from django import template

from followup.models import RelaunchRecipient
from followup.selection import OWN_PARAMS

register = template.Library()

RECENT_RELAUNCHES = 10


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


@register.inclusion_tag("followup/includes/establishment_relaunches.html", takes_context=True)
def establishment_relaunches(context, establishment) -> dict:
    """The latest relaunches an establishment received (for its assessment's status page)."""
    received = (
        RelaunchRecipient.objects.filter(establishment=establishment)
        .select_related("relaunch", "relaunch__region")
        .order_by("-relaunch__created_at", "relaunch_id")
    )
    relaunches = []
    for recipient in received:
        if relaunches and relaunches[-1]["relaunch"].pk == recipient.relaunch_id:
            relaunches[-1]["emails"].append(recipient.email)
            continue
        if len(relaunches) == RECENT_RELAUNCHES:
            break
        relaunches.append({"relaunch": recipient.relaunch, "emails": [recipient.email]})
    user = context["request"].user
    return {"relaunches": relaunches, "can_open": user.is_national or bool(user.scope.region_codes)}
