from django import template

from audit.display import detail_lines

register = template.Library()


@register.filter
def event_detail(detail) -> list[tuple[str, str]]:
    """`{% for label, value in event.detail|event_detail %}`: the detail in French."""
    return detail_lines(detail)
