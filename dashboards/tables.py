"""The breakdown tables (a row per department, GHT, region…) and the rows of the establishment
list, written in Python.

A national page holds a few hundred such rows; building them with `format_html` is an order of
magnitude faster than nested template includes, and keeps the same accessible markup (caption,
`th scope`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from actions.agreement import PLAN_AGREED
from care_portal.formats import EMPTY, format_number, format_percent, format_score
from dashboards.figures import Figures
from establishments.geography import department_display_code
from establishments.names import readable_name
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
        shares = row.target_shares
        cells = [
            format_number(row.total),
            format_number(row.not_started),
            format_number(row.draft),
            format_number(row.submitted),
            format_number(row.validated),
            format_score(row.average_score),
            *(format_percent(shares[i]) for i, _t in shown),
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


def _text(value) -> str:
    """A value as a template writes it: localized, escaped (a plain string, the most common,
    escaped directly: the same characters)."""
    kind = type(value)
    if kind is str:
        return html.escape(value)
    if kind is int:
        # Integers are written without grouping (USE_THOUSAND_SEPARATOR is off): as str().
        return str(value)
    if isinstance(value, Promise):
        # A lazy translation (a label): translated, then escaped as a string.
        return html.escape(str(value))
    return conditional_escape(localize(value))


def _score(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return format_score(None)
    return format_score(value)


def _flag(value) -> str:
    if value == "n/a":
        return '<span class="care-muted" title="{}">n.c.</span>'.format(escape(_("Non concerné")))
    if value is None:
        return '<span class="care-muted">?</span><span class="fr-sr-only">{}</span>'.format(
            escape(_("non renseignée"))
        )
    if value == PLAN_AGREED:
        return '<strong>{}</strong> · <span class="care-nowrap">{}</span>'.format(
            escape(_("Non")), escape(_("plan agréé"))
        )
    return escape(_("Oui")) if value else "<strong>{}</strong>".format(escape(_("Non")))


def establishment_rows(
    rows: Sequence[dict], *, selectable: bool, with_ght: bool, targets: Sequence[HeadlineTarget]
) -> SafeString:
    """The body rows of the establishment list (rows decorated by `listing.decorate`):
    `selectable`, a first cell to pick the establishment for a follow-up (a regional list);
    `with_ght`, the GHT column (not on a GHT's own list)."""
    if not rows:
        return format_html(
            '<tr><td colspan="20">{}</td></tr>',
            _("Aucun établissement ne correspond à ces filtres."),
        )
    shown = [t.key != Headline.SUBMITTED for t in targets]
    # The words, translated once for the page.
    ose, muted_dash = escape(_("OSE")), f'<span class="care-muted">{EMPTY}</span>'
    assessment_word, pdf_word = escape(_("Auto-évaluation")), escape(_("PDF"))
    report_of, none_yet = escape(_("rapport de")), escape(_("Pas d’auto-évaluation"))
    select_word = _("Sélectionner %(name)s")
    flags_html: dict = {}
    # A row's labels (translations) written once per page: by the label's identity, the
    # same few objects for every row of this call.
    labels_html: dict[int, str] = {}

    def label(value) -> str:
        key = id(value)
        if key not in labels_html:
            labels_html[key] = _text(value)
        return labels_html[key]

    # The name opens the assessment, or the establishment's page when it has none.
    form_url = reverse("assessments:form", args=[0]).replace("/0/", "/{}/")
    detail_url = reverse("establishments:detail", args=["0"]).replace("/0/", "/{}/")
    out = []
    for row in rows:
        name = _text(readable_name(row["name"]))
        cells = []
        if selectable:
            pk = _text(row["pk"])
            label_text = escape(select_word % {"name": readable_name(row["name"])})
            cells.append(
                '<td class="fr-cell--fixed">\n  <div class="fr-checkbox-group fr-checkbox-group--sm">'
                f'\n    <input type="checkbox" id="select-{pk}" name="establishment" '
                f'value="{pk}" form="followup-selection">'
                f'\n    <label class="fr-label" for="select-{pk}">{label_text}</label>\n  </div>\n</td>'
            )
        department = row["department_id"]
        assessment_id = row.get("assessment_id")
        link = (
            form_url.format(int(assessment_id))
            if assessment_id
            else detail_url.format(escape(row["finess"]))
        )
        cells += [
            f'<th scope="row"><a href="{link}">{name}</a></th>',
            f"<td>{_text(row['finess'])}</td>",
            f"<td>{_text(row['kind'])}</td>",
            f"<td>{escape(department_display_code(str(department) if department else ''))}</td>",
        ]
        if with_ght:
            cells.append(f"<td>{_text(row.get('ght__code') or EMPTY)}</td>")
        nis2 = label(row["nis2_label"]) + (f" · {ose}" if row.get("is_ose") else "")
        score_care = row.get("score_care")
        cells += [
            f"<td>{nis2}</td>",
            f"<td>{label(row['progress_label'])}</td>",
            f"<td>{muted_dash if score_care is None else _score(score_care)}</td>",
            f"<td>{_score(row.get('score'))}</td>",
            f"<td>{_text(row.get('incidents'))}</td>",
        ]
        for show, (_target, value) in zip(shown, row["flags"], strict=True):
            if show:
                if value not in flags_html:
                    flags_html[value] = _flag(value)
                cells.append(f"<td>{flags_html[value]}</td>")
        if assessment_id:
            pk = _text(assessment_id)
            documents = (
                f'<a class="fr-link fr-text--sm" href="/assessments/{pk}/">{assessment_word}'
                f'<span class="fr-sr-only"> — {name}</span></a> · '
                f'<a class="fr-link fr-text--sm" href="/assessments/{pk}/report.pdf">{pdf_word}'
                f'<span class="fr-sr-only"> — {report_of} {name}</span></a>'
            )
        else:
            documents = f'<span class="care-muted">{none_yet}</span>'
        cells.append(f'<td class="care-nowrap">{documents}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    # Every piece above is escaped or one of the page's fixed strings.
    return mark_safe("\n".join(out))  # noqa: S308


def select_options(choices, selected) -> SafeString:
    """The options of a filter's select (up to a few hundred: departments, GHTs), the one equal
    to `selected` marked selected."""
    return mark_safe(  # noqa: S308 - values and labels escaped
        "".join(
            f'<option value="{_text(value)}"{" selected" if value == selected else ""}>'
            f"{_text(label)}</option>"
            for value, label in choices
        )
    )


def filter_field(field) -> SafeString:
    """One filter of the establishment list (a bound form field), written out by hand: selects
    here hold up to a few hundred options (departments, GHTs), which the form widget templates
    would render slowly. A select for a field with choices, else a text or number input; its
    errors under it, tied by `aria-describedby`."""
    errors = field.errors
    auto_id = _text(field.auto_id)
    err_id = f"{auto_id}-errors"
    value = field.value()
    value = "" if value is None else value
    described = f' aria-describedby="{err_id}"' if errors else ""
    error_text = (
        f'<p id="{err_id}" class="fr-error-text">'
        + " ".join(conditional_escape(error) for error in errors)
        + "</p>"
        if errors
        else ""
    )
    label = f'<label class="fr-label" for="{auto_id}">{_text(field.label)}</label>'
    name = _text(field.html_name)
    choices = getattr(field.field, "choices", None)
    if choices:
        group = " fr-select-group--error" if errors else ""
        invalid = " fr-select--error" if errors else ""
        return mark_safe(  # noqa: S308 - every value escaped above
            f'\n\n<div class="fr-select-group{group}">\n  {label}\n'
            f'  <select class="fr-select{invalid}" id="{auto_id}" name="{name}"{described}>\n'
            f"    {select_options(choices, value)}\n  </select>\n  {error_text}\n</div>\n\n"
        )
    group = " fr-input-group--error" if errors else ""
    invalid = " fr-input--error" if errors else ""
    max_value = getattr(field.field, "max_value", None)
    if max_value is not None:
        kind = (
            f' type="number" min="{_text(field.field.min_value)}" max="{_text(max_value)}"'
            ' inputmode="numeric"'
        )
    else:
        kind = ' type="text"'
    return mark_safe(  # noqa: S308 - every value escaped above
        f'\n\n<div class="fr-input-group{group}">\n  {label}\n'
        f'  <input class="fr-input{invalid}" id="{auto_id}" name="{name}" value="{_text(value)}"'
        f"{kind}{described}>\n  {error_text}\n</div>\n\n"
    )
