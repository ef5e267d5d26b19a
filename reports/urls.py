from django.urls import path

from reports import views

app_name = "reports"

# Under /assessments/ (see care_portal/urls.py): the report is a page of the assessment.
urlpatterns: list = [
    path("<id:pk>/report.pdf", views.report_pdf, name="assessment-report"),
    path("<id:pk>/report/", views.report_preview, name="assessment-report-preview"),
]
