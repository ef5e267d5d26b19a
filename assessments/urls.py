from django.urls import path

from assessments.views import (
    answers_json,
    ars,
    carry_over,
    evidence,
    exercises,
    form,
    history,
    incidents,
    mine,
    questions,
    review,
    workbook,
    workflow,
)

app_name = "assessments"

urlpatterns: list = [
    path("<id:pk>/", form.assessment_form, name="form"),
    path("mine/", mine.mine, name="mine"),
    path("<id:pk>/status/", workflow.assessment_status, name="status"),
    path("<id:pk>/review/", review.assessment_review, name="review"),
    path("<id:pk>/transition/<str:action>/", workflow.assessment_transition, name="transition"),
    path("<id:pk>/carry-over/", carry_over.carry_over, name="carry_over"),
    path("<id:pk>/simulation/", carry_over.simulation, name="simulation"),
    path("<id:pk>/evidence/", evidence.evidence_list, name="evidence"),
    path(
        "<id:pk>/evidence/<id:evidence_id>/download/",
        evidence.evidence_download,
        name="evidence_download",
    ),
    path(
        "<id:pk>/evidence/<id:evidence_id>/delete/",
        evidence.evidence_delete,
        name="evidence_delete",
    ),
    path(
        "<id:pk>/evidence/<str:code>/",
        evidence.requirement_evidence,
        name="requirement_evidence",
    ),
    path("<id:pk>/questions/<str:code>/", questions.question, name="question"),
    path(
        "<id:pk>/questions/<str:code>/comment/",
        questions.question_comment,
        name="question_comment",
    ),
    path("<id:pk>/questions/<str:code>/assign/", questions.question_assign, name="question_assign"),
    path("<id:pk>/exercises/", exercises.exercises, name="exercises"),
    path(
        "<id:pk>/exercises/<id:exercise_id>/delete/",
        exercises.exercise_delete,
        name="exercise_delete",
    ),
    path("<id:pk>/incidents/", incidents.incidents, name="incidents"),
    path("<id:pk>/incidents/<id:incident_id>/", incidents.incident, name="incident"),
    path("<id:pk>/history/", history.history, name="history"),
    path("<id:pk>/ars/", ars.ars_answers, name="ars_answers"),
    path("<id:pk>/export.json", answers_json.export, name="export"),
    path("<id:pk>/import/", answers_json.import_view, name="import"),
    path("<id:pk>/workbook/", workbook.workbook, name="workbook"),
    path("<id:pk>/workbook.xlsx", workbook.download, name="workbook_download"),
    path("<id:pk>/workbook/confirm/", workbook.confirm, name="workbook_confirm"),
]
