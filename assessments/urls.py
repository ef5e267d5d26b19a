from django.urls import path

from assessments.views import evidence, exchange, exercises, form, history, mine, report, workflow

app_name = "assessments"

urlpatterns: list = [
    path("<int:pk>/", form.assessment_form, name="form"),
    path("mine/", mine.mine, name="mine"),
    path("<int:pk>/status/", workflow.assessment_status, name="status"),
    path("<int:pk>/transition/<str:action>/", workflow.assessment_transition, name="transition"),
    path("<int:pk>/carry-over/", workflow.carry_over, name="carry_over"),
    path("<int:pk>/evidence/", evidence.evidence_list, name="evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/download/",
        evidence.evidence_download,
        name="evidence_download",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_id>/delete/",
        evidence.evidence_delete,
        name="evidence_delete",
    ),
    path(
        "<int:pk>/evidence/<str:code>/",
        evidence.requirement_evidence,
        name="requirement_evidence",
    ),
    path("<int:pk>/exercises/", exercises.exercises, name="exercises"),
    path(
        "<int:pk>/exercises/<int:exercise_id>/delete/",
        exercises.exercise_delete,
        name="exercise_delete",
    ),
    path("<int:pk>/history/", history.history, name="history"),
    path("<int:pk>/export.json", exchange.export, name="export"),
    path("<int:pk>/import/", exchange.import_view, name="import"),
    path("<int:pk>/report.pdf", report.report_pdf, name="report"),
]
