"""The breakdown tables (a row per department, GHT, region…), written in Python.

A national page holds a few hundred such rows; building them with `format_html` is an order of
magnitude faster than nested template includes, and keeps the same accessible markup (caption,
`th scope`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from care_portal.formats import format_number, format_percent, format_score
from dashboards.figures import Figures
from referential.models import Headline
from referential.targets import HeadlineTarget


def figures_table(
    rows: Sequence[Figures],
    *,
    caption: str,
    group_header: str,
    targets: Sequence[HeadlineTarget],
    link_query: str = "",
) -> SafeString:
    shown = [(i, t) for i, t in enumerate(targets) if t.key != Headline.SUBMITTED]
    headers = [
        group_header,
        _("Établissements"),
        _("Non commencées"),
        _("En cours"),
        _("Transmises"),
        _("Validées"),
        _("Score moyen"),
    ]
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers))
    head += format_html_join(
        "",
        '<th scope="col"><span aria-hidden="true">{}</span><span class="fr-sr-only">{}</span></th>',
        ((t.short_label, t.label) for _i, t in shown),
    )
    body = []
    for row in rows:
        url = row.extra.get("url")
        label = (
            format_html('<a href="{}?{}">{}</a>', url, link_query, row.label)
            if url
            else escape(row.label)
        )
        figures = row.target_figures
        cells = [
            format_number(row.total),
            format_number(row.not_started),
            format_number(row.draft),
            format_number(row.submitted),
            format_number(row.validated),
            format_score(row.average_score),
            *(format_percent(figures[i].share) for i, _t in shown),
        ]
        # Cells are formatted numbers (digits, comma, %, dash): nothing to escape.
        body.append(f'<tr><th scope="row">{label}</th><td>{"</td><td>".join(cells)}</td></tr>')
    if not body:
        body.append(
            format_html(
                '<tr><td colspan="{}">{}</td></tr>',
                len(headers) + len(shown),
                _("Aucun établissement."),
            )
        )
    return format_html(
        '<div class="fr-table fr-table--sm"><div class="fr-table__wrapper">'
        '<div class="fr-table__container" tabindex="0"><div class="fr-table__content">'
        "<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>"
        "</div></div></div></div>",
        caption,
        head,
        mark_safe("".join(body)),  # noqa: S308 - each row built with format_html above
    )
