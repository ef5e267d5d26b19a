from django.urls import path

from reports import views

app_name = "funding_reports"

# Under /funding/ (see care_portal/urls.py): the pack is a download of the candidacy's page.
urlpatterns: list = [
    path("candidacies/<id:pk>/declaration.zip", views.declaration_pack, name="declaration"),
]
