"""The REST API: one router; each app registers its viewsets here."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from assessments.api import AssessmentViewSet
from establishments.api import EstablishmentViewSet

router = DefaultRouter()
router.register("establishments", EstablishmentViewSet, basename="establishment")
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    *router.urls,
]
