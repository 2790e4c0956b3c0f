from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from billpay.inbound.urls import webhook_urlpatterns
from billpay.onboarding.forms import AdminLoginForm, PasswordResetForm
from billpay.onboarding.views_two_factor import TwoStepLoginView, login_code

admin.site.site_header = "BillPay staff"
admin.site.site_title = "BillPay admin"
admin.site.login_form = AdminLoginForm  # no way around two-step login through the admin

urlpatterns = [
    path("", include("billpay.core.urls")),
    path("", include("billpay.onboarding.urls")),
    path("", include("billpay.bills.urls")),
    path("", include("billpay.mapping.urls")),
    path("", include("billpay.payments.urls")),
    path("", include("billpay.insights.urls")),
    path("", include("billpay.runs.urls")),
    path("", include("billpay.recurring.urls")),
    path("", include("billpay.notifications.urls")),
    path("", include("billpay.approvals.urls")),
    path("", include("billpay.inbound.urls")),
    path(
        "webhooks/inbound/",
        include((webhook_urlpatterns, "inbound-webhooks"), namespace="inbound-webhooks"),
    ),
    path("login/", TwoStepLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED and "billpay.sandbox" in settings.INSTALLED_APPS:
    urlpatterns.append(path("sandbox/", include("billpay.sandbox.urls")))
