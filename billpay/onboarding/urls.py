from django.urls import path

from billpay.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<str:uidb64>/<str:token>/", views.signup_confirm, name="signup-confirm"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/switch/", views.company_switch, name="company-switch"),
    path("language/", views.language_set, name="language-set"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invitation_create, name="invitation-create"),
    path("team/history/", views.audit_log, name="audit-log"),
    path("team/history.csv", views.audit_log_csv, name="audit-log-csv"),
    path("team/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("team/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("connect/", views.connect, name="connect"),
    path("connect/start/", views.connect_start, name="connect-start"),
    path("connect/return/", views.connect_return, name="connect-return"),
    path("connection/", views.connection, name="connection"),
    path("connection/disconnect/", views.disconnect, name="disconnect"),
    path("webhooks/codat/", views.codat_webhook, name="codat-webhook"),
]
