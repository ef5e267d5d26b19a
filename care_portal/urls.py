from django.contrib import admin
from django.urls import include, path

from accounts.oidc_views import SignInView, SignOutView
from care_portal import (
    health,
    ids,  # noqa: F401 - registers <id:…> before the apps' URLconfs use it
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("accounts/", include("accounts.urls")),
    path("establishments/", include("establishments.urls")),
    path("referential/", include("referential.urls")),
    path("assessments/", include("assessments.urls")),
    path("assessments/", include("reports.urls")),
    path("assessments/", include("actions.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("audit/", include("audit.urls")),
    path("followup/", include("followup.urls")),
    path("funding/", include("funding.urls")),
    path("funding/", include("reports.funding_urls")),
    path("api/", include("care_portal.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
