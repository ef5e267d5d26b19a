"""Campaign follow-up: reminders, ARS relaunches and bulk PDF reports (background tasks).

Owns its records and who reads them: relaunches and bulk reports through their `for_user`
(the registry's region scope: an ARS its region, the national level all), and the permission
`followup.view_relaunch` on one relaunch (`permissions.py`). The relaunches an establishment received are
read through `establishment.relaunches_received.latest_relaunches()`, from the template the
assessment status page includes (`followup/includes/assessment_relaunches.html`), so that
`assessments` never imports this app.

May import: `establishments`, `referential`, `assessments`, `audit`, `reports` (the bulk PDF
reports call `reports.pdf.render_report_pdf`) and `dashboards` (the regional dashboard's
selection), and the display formats of `care_portal`. Nothing imports it but the URLs, the demo
data and templates.
"""
