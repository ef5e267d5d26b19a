from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns: list = [
    path("national/", views.national, name="national"),
    path("national/export/", views.national_export, name="national_export"),
    path("region/<str:code>/", views.region, name="region"),
    path("region/<str:code>/export/", views.region_export, name="region_export"),
    path(
        "region/<str:code>/not-applicable/",
        views.region_not_applicable,
        name="region_not_applicable",
    ),
    path("funding/<str:call>/", views.funding_national, name="funding_national"),
    path(
        "funding/<str:call>/export/",
        views.funding_national_export,
        name="funding_national_export",
    ),
    path("region/<str:code>/funding/<str:call>/", views.funding_region, name="funding_region"),
    path(
        "region/<str:code>/funding/<str:call>/export/",
        views.funding_region_export,
        name="funding_region_export",
    ),
    path("region/<str:code>/incidents/", views.region_incidents, name="region_incidents"),
    path("ght/<str:code>/", views.ght, name="ght"),
    path("ght/<str:code>/export/", views.ght_export, name="ght_export"),
]
