"""Tags of the pages' frame (``base.html``)."""

from django import template
from django.utils.safestring import SafeString

register = template.Library()

USER_TOOLS = "includes/user_tools.html"


@register.simple_tag(takes_context=True)
def user_tools(context) -> SafeString:
    """The header's tools (who is signed in, notifications, sign out): shown twice, in the
    header and in the phone menu, drawn once for the page."""
    drawn = context.render_context.get(USER_TOOLS)
    if drawn is None:
        drawn = context.template.engine.get_template(USER_TOOLS).render(context)
        context.render_context[USER_TOOLS] = drawn
    return drawn
