"""How registry codes read on the pages: {{ row.department_id|department_code }} → "971"."""

from django import template

from establishments.geography import department_display_code
from establishments.names import readable_name

register = template.Library()


@register.filter
def department_code(code) -> str:
    return department_display_code(str(code) if code else "")


@register.filter
def readable(name) -> str:
    """{{ row.name|readable }}: an establishment name read from a query, in readable case."""
    return readable_name(str(name)) if name else ""
