from django.urls import path

from assessments.views import form

app_name = "assessments"

urlpatterns: list = [
    path("<int:pk>/", form.assessment_form, name="form"),
]
