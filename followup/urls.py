from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("region/<str:code>/relaunches/", views.relaunch_list, name="relaunch_list"),
    path("region/<str:code>/relaunches/new/", views.relaunch_new, name="relaunch_new"),
    path("relaunches/<id:pk>/", views.relaunch_detail, name="relaunch_detail"),
    path("region/<str:code>/bulk-reports/new/", views.bulk_report_new, name="bulk_report_new"),
    path("bulk-reports/", views.bulk_report_list, name="bulk_reports"),
    path("bulk-reports/<id:pk>/download/", views.bulk_report_download, name="bulk_report_download"),
]
