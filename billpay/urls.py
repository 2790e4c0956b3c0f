from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from billpay.onboarding.forms import PasswordResetForm

admin.site.site_header = "BillPay staff"
admin.site.site_title = "BillPay admin"

urlpatterns = [
    path("", include("billpay.core.urls")),
    path("", include("billpay.onboarding.urls")),
    path("", include("billpay.bills.urls")),
    path("", include("billpay.mapping.urls")),
    path("", include("billpay.payments.urls")),
    path("", include("billpay.insights.urls")),
    path("", include("billpay.runs.urls")),
    path("", include("billpay.notifications.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
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
