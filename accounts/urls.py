from django.urls import path

from accounts import invitation_views, oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/setup/", views.setup, name="setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/disable/", views.disable, name="disable"),
    path("invite/<str:code>/", invitation_views.invite, name="invite"),
    path("password/<uidb64>/<token>/", invitation_views.set_password, name="set_password"),
    path("oidc/<slug:provider>/login/", oidc_views.oidc_login, name="oidc_login"),
    path("oidc/<slug:provider>/callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path("oidc/<slug:provider>/logged-out/", oidc_views.oidc_logged_out, name="oidc_logged_out"),
]
