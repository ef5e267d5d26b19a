from django.urls import path

from referential import views

app_name = "referential"

urlpatterns = [
    path("", views.referential_index, name="index"),
    path(
        "<str:code>/<id:version>/ciso-assistant.yaml",
        views.ciso_library,
        name="ciso_library",
    ),
]
