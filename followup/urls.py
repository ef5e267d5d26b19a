from django.urls import path

from followup import notification_views, views

app_name = "followup"

urlpatterns = [
    path("region/<str:code>/relaunches/", views.relaunch_list, name="relaunch_list"),
    path("region/<str:code>/relaunches/new/", views.relaunch_new, name="relaunch_new"),
    path("relaunches/<id:pk>/", views.relaunch_detail, name="relaunch_detail"),
    path("region/<str:code>/bulk-reports/new/", views.bulk_report_new, name="bulk_report_new"),
    path("bulk-reports/", views.bulk_report_list, name="bulk_reports"),
    path("bulk-reports/<id:pk>/download/", views.bulk_report_download, name="bulk_report_download"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<id:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read/", notification_views.notifications_read_all, name="notifications_read"
    ),
    path(
        "notifications/preferences/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "assessments/<id:pk>/ask-ght-lead/",
        notification_views.ask_ght_lead_view,
        name="ask_ght_lead",
    ),
]
