from django.urls import path

from funding import views

app_name = "funding"

urlpatterns = [
    path("", views.call_list, name="calls"),
    path("calls/<str:code>/", views.call_detail, name="call"),
    path("calls/<str:code>/apply/", views.apply_view, name="apply"),
    path("candidacies/<id:pk>/", views.candidacy_detail, name="candidacy"),
    path("candidacies/<id:pk>/move/", views.candidacy_move, name="candidacy_move"),
    path("candidacies/<id:pk>/exception/", views.candidacy_exception, name="candidacy_exception"),
    path("candidacies/<id:pk>/documents/", views.candidacy_documents, name="candidacy_documents"),
    path("ght/<str:code>/activity-shares/", views.ght_shares, name="ght_shares"),
]
