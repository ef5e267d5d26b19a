"""The REST API: one router; each app registers its viewsets here."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from actions import api as actions_api
from assessments import api_workflow
from assessments.api import AssessmentViewSet
from care_portal.api_errors import not_found
from establishments.api import EstablishmentViewSet
from funding import api as funding_api
from referential.api import ReferentialVersionViewSet

router = DefaultRouter()
router.register("establishments", EstablishmentViewSet, basename="establishment")
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("assessments/<id:pk>/submit/", api_workflow.submit_assessment, name="assessment-submit"),
    path(
        "assessments/<id:pk>/validate/",
        api_workflow.validate_assessment,
        name="assessment-validate",
    ),
    path(
        "assessments/<id:pk>/send-back/",
        api_workflow.send_back_assessment,
        name="assessment-send-back",
    ),
    path("assessments/<id:pk>/reopen/", api_workflow.reopen_assessment, name="assessment-reopen"),
    path("assessments/<id:pk>/actions/", actions_api.action_list, name="assessment-actions"),
    path(
        "assessments/<id:pk>/actions/<id:action_id>/",
        actions_api.action_detail,
        name="assessment-action",
    ),
    path(
        "referentials/",
        ReferentialVersionViewSet.as_view({"get": "list"}),
        name="referential-list",
    ),
    path(
        "referentials/<str:code>/<id:version>/",
        ReferentialVersionViewSet.as_view({"get": "retrieve"}),
        name="referential-detail",
    ),
    path(
        "referentials/<str:code>/<id:version>/targets/",
        ReferentialVersionViewSet.as_view({"get": "targets"}, pagination_class=None),
        name="referential-targets",
    ),
    path(
        "referentials/<str:code>/<id:version>/milestones/",
        ReferentialVersionViewSet.as_view({"get": "milestones"}, pagination_class=None),
        name="referential-milestones",
    ),
    path("funding-calls/", funding_api.FundingCallList.as_view(), name="funding-call-list"),
    path(
        "funding-calls/<str:code>/",
        funding_api.FundingCallDetail.as_view(),
        name="funding-call-detail",
    ),
    path(
        "funding-calls/<str:code>/candidacies/",
        funding_api.CandidacyList.as_view(),
        name="funding-candidacy-list",
    ),
    path(
        "funding-calls/<str:code>/candidacies/<id:pk>/advance/",
        funding_api.CandidacyAdvance.as_view(),
        name="funding-candidacy-advance",
    ),
    *router.urls,
    # Last: whatever no endpoint answers gets a JSON 404.
    re_path(r"^(?P<path>[\s\S]*)$", not_found, name="api-not-found"),
]
