from django.urls import path

from actions import views

app_name = "actions"

urlpatterns: list = [
    path("<id:pk>/actions/", views.plan, name="plan"),
    path("<id:pk>/actions/new/", views.action_new, name="new"),
    path("<id:pk>/actions/suggestions/", views.suggestions, name="suggestions"),
    path("<id:pk>/actions/order/reset/", views.order_reset, name="order_reset"),
    path("<id:pk>/actions/export.xlsx", views.export, name="export"),
    path("<id:pk>/actions/<id:action_id>/", views.action_edit, name="edit"),
    path("<id:pk>/actions/<id:action_id>/note/", views.action_note, name="note"),
    path("<id:pk>/actions/<id:action_id>/delete/", views.action_delete, name="delete"),
    path("<id:pk>/actions/<id:action_id>/move/", views.action_move, name="move"),
    path("<id:pk>/targets/", views.agreement_page, name="agreement"),
    path("<id:pk>/targets/<slug:target>/file/", views.target_plan_file, name="target_file"),
    path("<id:pk>/targets/<slug:target>/decide/", views.target_plan_decide, name="target_decide"),
]
