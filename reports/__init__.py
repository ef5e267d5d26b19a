"""The PDF gap report of an assessment: one service, its content, its page and its command.

Owns `pdf.render_report_pdf` (the one code path: the view, `render_report` and the bulk reports
of `followup` call it), what the report shows (`content.build_report`: statuses, scores, gaps,
headline targets from `referential.targets`, the peer position), the comparison with the
previous campaign (`comparison.py`), the download view (`/assessments/<id>/report.pdf`, URL name
`reports:assessment-report`, fetched through `Assessment.objects.for_user`) and the templates
under `templates/reports/` with their own print stylesheet.

May import: `assessments`, `referential`, `establishments`, `audit` and the chart helpers and
display formats of `care_portal`. Nothing imports it but `followup` (bulk reports) and the
URLconf; `assessments` links to the report by its URL name only.
"""
