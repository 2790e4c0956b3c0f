"""Two-step login: the login's code step, and the "Two-step login" settings page.

The password step does not log anyone in when the user has an authenticator: it keeps a signed,
short-lived note of who passed it in the session, and only the code step logs the session in
(and marks it verified, django-otp's `otp_device_id`). django-axes counts wrong codes as failed
logins of that email from that address, so the code step is locked out like the password step.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, user_login_failed
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from billpay.core.errors import DomainError
from billpay.onboarding import selectors, services
from billpay.onboarding.forms import (
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorRequiredForm,
)
from billpay.onboarding.models import User
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import (
    AuthenticatedHttpRequest,
    CompanyHttpRequest,
    company_required,
)

PENDING_KEY = "two_factor_pending"
PENDING_SALT = "billpay.onboarding.two_factor.pending"


class TwoStepLoginView(LoginView):
    """Django's login, with a second step for users who turned two-step login on."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not services.two_factor_enabled(user=user):
            return super().form_valid(form)
        pending = {"user": user.pk, "backend": user.backend, "next": self.get_success_url()}
        self.request.session[PENDING_KEY] = signing.dumps(pending, salt=PENDING_SALT)
        return redirect("login-code")


def _pending(request) -> tuple[User, dict] | None:
    """Who passed the password step in this session, in the last few minutes."""
    try:
        pending = signing.loads(
            request.session.get(PENDING_KEY, ""),
            salt=PENDING_SALT,
            max_age=settings.TWO_FACTOR_PENDING_SECONDS,
        )
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_code(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The login's second step: a code from the authenticator app, or a recovery code."""
    found = _pending(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, gettext("Log in again: the code step expired."))
        return redirect("login")
    user, pending = found
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if device.name == services.RECOVERY_DEVICE_NAME:
                left = services.two_factor_status(user=user).recovery_codes_left
                messages.warning(
                    request,
                    gettext("You used a recovery code: %(left)s left.") % {"left": left},
                )
            return redirect(pending["next"])
        # A failed login for django-axes (it locks this email from this address out).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", gettext("That code is not right. Check your app and try again."))
    return render(request, "registration/login_code.html", {"form": form})


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("onboarding:home")


@login_required
@require_GET
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "Two-step login" page: on or off, recovery codes left, and what to do next."""
    status = services.two_factor_status(user=request.user)
    context = {
        "status": status,
        "verified": request.user.is_verified(),
        "required_by": selectors.company_list_requiring_two_factor(user=request.user),
        "code_form": TwoFactorCodeForm(),
        "disable_form": TwoFactorDisableForm(),
        "next": _next(request),
    }
    return render(request, "onboarding/two_factor.html", context)


@login_required
@require_POST
def two_factor_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        services.totp_device_start(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding:two-factor")
    return redirect("onboarding:two-factor-setup")


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The QR code and the secret of the authenticator being set up; a first code confirms it."""
    device = services.totp_device_pending(user=request.user)
    if device is None:
        return redirect("onboarding:two-factor")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_device_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)  # the code just typed is this session's second step
            messages.success(request, gettext("Two-step login is on."))
            # Rendered, not redirected to: the recovery codes are shown this once and kept
            # nowhere else in plain sight (not in the session either).
            return _recovery_codes_page(request, codes)
    context = {
        "form": form,
        "secret": services.totp_device_secret(device=device),
        "qr_svg": services.totp_device_qr_svg(device=device),
    }
    return render(request, "onboarding/two_factor_setup.html", context)


def _recovery_codes_page(request, codes: list[str]) -> HttpResponse:
    response = render(
        request, "onboarding/two_factor_codes.html", {"codes": codes, "next": _next(request)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); only from a verified session."""
    if not request.user.is_verified():
        messages.error(request, gettext("Type a code from your app first, then try again."))
        return redirect("onboarding:two-factor")
    try:
        codes = services.recovery_codes_regenerate(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding:two-factor")
    return _recovery_codes_page(request, codes)


@sensitive_post_parameters("code")
@login_required
@require_POST
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A session that logged in before its user turned two-step login on passes it here."""
    form = TwoFactorCodeForm(request.POST)
    device = form.is_valid() and services.two_factor_verify(
        user=request.user, code=form.cleaned_data["code"]
    )
    if not device:
        messages.error(request, gettext("That code is not right. Check your app and try again."))
        return redirect(f"{reverse('onboarding:two-factor')}?{urlencode({'next': _next(request)})}")
    otp_login(request, device)
    messages.success(request, gettext("Verified: this session passed two-step login."))
    return redirect(_next(request))


@sensitive_post_parameters("secret")
@login_required
@require_POST
def two_factor_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TwoFactorDisableForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(gettext("Type your password or a code from your app."))
        services.two_factor_disable(user=request.user, secret=form.cleaned_data["secret"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Two-step login is off."))
    return redirect("onboarding:two-factor")


@require_POST
@company_required(action=Can.MANAGE_TEAM)
def two_factor_required(request: CompanyHttpRequest) -> HttpResponse:
    """The Team page's owner-only switch: require two-step login of every member."""
    form = TwoFactorRequiredForm(request.POST)
    form.is_valid()  # a checkbox: anything but a ticked box is "not required"
    required = bool(form.cleaned_data.get("required"))
    try:
        services.two_factor_required_set(
            company=request.company,
            actor=request.user,
            required=required,
            actor_verified=request.user.is_verified(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Every member now logs in with two steps.")
            if required
            else gettext("Two-step login is now each member's choice."),
        )
    return redirect("onboarding:team")
