from django.urls import path

from establishments import views

app_name = "establishments"

urlpatterns = [
    path("", views.establishment_list, name="list"),
    path("<str:finess>/", views.establishment_detail, name="detail"),
    path("<str:finess>/regulatory/", views.regulatory_status, name="regulatory"),
]
