"""How registry codes read on the pages: {{ row.department_id|department_code }} → "971"."""

from django import template

from establishments.geography import department_display_code

register = template.Library()


@register.filter
def department_code(code) -> str:
    return department_display_code(str(code) if code else "")
