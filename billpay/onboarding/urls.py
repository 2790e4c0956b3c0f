from django.urls import path

from billpay.onboarding import views, views_two_factor

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
    path("team/two-step/", views_two_factor.two_factor_required, name="two-factor-required"),
    path("account/two-step/", views_two_factor.two_factor, name="two-factor"),
    path("account/two-step/start/", views_two_factor.two_factor_start, name="two-factor-start"),
    path("account/two-step/setup/", views_two_factor.two_factor_setup, name="two-factor-setup"),
    path("account/two-step/verify/", views_two_factor.two_factor_verify, name="two-factor-verify"),
    path("account/two-step/codes/", views_two_factor.recovery_codes, name="recovery-codes"),
    path("account/two-step/off/", views_two_factor.two_factor_disable, name="two-factor-disable"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("connect/", views.connect, name="connect"),
    path("connect/start/", views.connect_start, name="connect-start"),
    path("connect/return/", views.connect_return, name="connect-return"),
    path("connection/", views.connection, name="connection"),
    path("connection/disconnect/", views.disconnect, name="disconnect"),
    path("webhooks/codat/", views.codat_webhook, name="codat-webhook"),
]
