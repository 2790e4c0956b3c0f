from django.urls import path

from billpay.approvals import views

app_name = "approvals"

urlpatterns = [
    path("approvals/", views.waiting, name="waiting"),
    path("approvals/rules/", views.rules, name="rules"),
    path("approvals/rules/new/", views.rule_edit, name="rule-new"),
    path("approvals/rules/<int:rule_id>/", views.rule_edit, name="rule-edit"),
    path("approvals/rules/<int:rule_id>/delete/", views.rule_delete, name="rule-delete"),
    path("approvals/<str:kind>/<int:object_id>/decide/", views.decide, name="decide"),
]
