import json
import logging

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billpay.core import words
from billpay.core.csvs import csv_response
from billpay.core.errors import DomainError
from billpay.core.selectors import audit_list, audit_page
from billpay.onboarding import selectors, services, tasks
from billpay.onboarding.errors import NotConnected, WebhookRejected
from billpay.onboarding.forms import (
    AuditFilterForm,
    CompanyForm,
    CompanySwitchForm,
    InvitationAcceptNewUserForm,
    InvitationForm,
    LanguageForm,
    MemberRoleForm,
    SignUpForm,
)
from billpay.onboarding.models import Membership
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import (
    SESSION_COMPANY_KEY,
    AuthenticatedHttpRequest,
    CompanyHttpRequest,
    company_required,
)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
logger = logging.getLogger(__name__)


def _enter(request, membership: Membership) -> HttpResponse:
    request.session[SESSION_COMPANY_KEY] = membership.company_id
    return redirect("onboarding:home")


@require_GET
@company_required
def home(request: CompanyHttpRequest) -> HttpResponse:
    """Owners' and admins' home is the overview (the dashboard) once the books are connected;
    before that, and for the other roles, it is the inbox, which explains how to connect."""
    if request.membership.can.manage_settings and selectors.connection_get(company=request.company):
        return redirect("insights:dashboard")
    return redirect("bills:inbox")


@require_http_methods(["GET", "POST"])
def signup(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("onboarding:home")
    form = SignUpForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        services.signup_request(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            company_name=data["company_name"],
            base_currency=data["base_currency"],
            country=data["country"],
        )
        # The same answer whether or not the address has an account (issue 15, point 7).
        return render(request, "registration/signup_sent.html", {"email": data["email"]})
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_confirm(request: AuthenticatedHttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button; POST activates and logs in (a link scanner's GET changes nothing)."""
    if request.method == "POST":
        try:
            membership = services.signup_confirm(uidb64=uidb64, token=token)
        except DomainError as exc:
            return render(
                request, "registration/signup_confirm.html", {"error": exc.message}, status=400
            )
        login(request, membership.user, backend=AUTH_BACKEND)
        messages.success(
            request,
            gettext("Welcome to BillPay, %(name)s.") % {"name": membership.user.get_short_name()},
        )
        return _enter(request, membership)
    return render(request, "registration/signup_confirm.html", {})


@require_http_methods(["GET", "POST"])
def company_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = CompanyForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        membership = services.company_create(
            owner=request.user,
            name=data["company_name"],
            base_currency=data["base_currency"],
            country=data["country"],
        )
        messages.success(
            request, gettext("%(company)s is ready.") % {"company": membership.company.name}
        )
        return _enter(request, membership)
    return render(request, "onboarding/company_create.html", {"form": form})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The header's language chooser: remembered on the user (when logged in) and in a cookie
    (so it outlives logging out), then back to the page it was chosen on."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(gettext("Pick one of the languages offered."), status=400)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    back = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("onboarding:home")
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_POST
@company_required(second_step=False)
def company_switch(request: CompanyHttpRequest) -> HttpResponse:
    form = CompanySwitchForm(request.POST)
    membership = form.is_valid() and selectors.membership_get(
        user=request.user, company_id=form.cleaned_data["company"]
    )
    if not membership:
        raise Http404("No such company.")
    return _enter(request, membership)


def _team_page(
    request: CompanyHttpRequest, invite_form: InvitationForm | None = None
) -> HttpResponse:
    """The team: each member with, where the viewer may manage them, a role form."""
    roles = selectors.roles_assignable(membership=request.membership)
    memberships = list(selectors.membership_list_for_company(company=request.company))
    owners = sum(m.is_owner for m in memberships)
    members = [
        (
            m,
            # The only owner keeps the role: no form to change it or remove them.
            MemberRoleForm(initial={"role": m.role}, roles=roles, prefix=f"m{m.pk}")
            if selectors.member_manageable(acting=request.membership, member=m)
            and not (m.is_owner and owners == 1)
            else None,
        )
        for m in memberships
    ]
    context = {
        "members": members,
        "form": invite_form or InvitationForm(roles=roles),
        "owners": owners,
    }
    return render(request, "onboarding/team.html", context)


@require_GET
@company_required
def team(request: CompanyHttpRequest) -> HttpResponse:
    return _team_page(request)


@require_POST
@company_required(action=Can.MANAGE_TEAM)
def invitation_create(request: CompanyHttpRequest) -> HttpResponse:
    roles = selectors.roles_assignable(membership=request.membership)
    form = InvitationForm(request.POST, roles=roles)
    if form.is_valid():
        services.invitation_send(
            company=request.company,
            invited_by=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        messages.success(
            request,
            gettext("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("onboarding:team")
    return _team_page(request, form)


def _member(request: CompanyHttpRequest, membership_id: int) -> Membership:
    """A member of the current company whom the viewer may manage, else 404 or 403."""
    member = (
        selectors.membership_list_for_company(company=request.company)
        .filter(pk=membership_id)
        .first()
    )
    if member is None:
        raise Http404("No such member.")
    if not selectors.member_manageable(acting=request.membership, member=member):
        raise PermissionDenied(
            gettext("Only an owner can make someone an owner or change an owner.")
        )
    return member


@require_POST
@company_required(action=Can.MANAGE_TEAM)
def member_role(request: CompanyHttpRequest, membership_id: int) -> HttpResponse:
    member = _member(request, membership_id)
    roles = selectors.roles_assignable(membership=request.membership)
    form = MemberRoleForm(request.POST, roles=roles, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, gettext("Pick one of the roles offered."))
        return redirect("onboarding:team")
    try:
        member = services.member_role_set(
            company=request.company,
            actor=request.user,
            membership_id=member.pk,
            role=form.cleaned_data["role"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("%(name)s is now %(role)s.")
            % {"name": member.user, "role": member.get_role_display().lower()},
        )
    return redirect("onboarding:team")


@require_http_methods(["GET", "POST"])
@company_required(action=Can.MANAGE_TEAM)
def member_remove(request: CompanyHttpRequest, membership_id: int) -> HttpResponse:
    """GET asks to confirm; POST removes."""
    member = _member(request, membership_id)
    if request.method == "POST":
        try:
            services.member_remove(
                company=request.company, actor=request.user, membership_id=member.pk
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("onboarding:team")
        messages.success(
            request,
            gettext("%(name)s no longer has access to %(company)s.")
            % {"name": member.user, "company": request.company.name},
        )
        if member.user_id == request.user.pk:
            request.session.pop(SESSION_COMPANY_KEY, None)
            return redirect("onboarding:home")
        return redirect("onboarding:team")
    return render(request, "onboarding/member_remove.html", {"member": member})


def _audit_form(request: CompanyHttpRequest) -> AuditFilterForm:
    people = [
        (str(m.user_id), str(m.user))
        for m in selectors.membership_list_for_company(company=request.company)
    ]
    return AuditFilterForm(request.GET, people=people)


@require_GET
@company_required(action=Can.MANAGE_TEAM)
def audit_log(request: CompanyHttpRequest) -> HttpResponse:
    """Who did what, when: the company's audit trail, filtered, 50 entries a page."""
    form = _audit_form(request)
    filters = form.filters()
    events, next_cursor = audit_page(company=request.company, filters=filters, before=form.cursor())
    params = urlencode({k: v for k, v in vars(filters).items() if v})
    context = {
        "form": form,
        "entries": [
            (e, words.audit_action(e.action), words.audit_object(e.action, e.target, e.ref, e.data))
            for e in events
        ],
        "next_cursor": next_cursor,
        "params": params,
    }
    return render(request, "onboarding/audit_log.html", context)


@require_GET
@company_required(action=Can.MANAGE_TEAM)
def audit_log_csv(request: CompanyHttpRequest) -> StreamingHttpResponse:
    """The filtered trail as CSV (plain, or ?format=excel), every entry, newest first."""
    filters = _audit_form(request).filters()
    events = audit_list(company=request.company, filters=filters)
    rows = (
        (
            timezone.localtime(e.created_at).isoformat(timespec="seconds"),
            e.actor.email if e.actor else "",
            e.action,
            words.audit_action(e.action),
            words.audit_object(e.action, e.target, e.ref, e.data),
            e.ref,
            json.dumps(e.data, ensure_ascii=False, sort_keys=True, default=str),
        )
        for e in events.iterator(chunk_size=2000)
    )
    header = ["when", "who", "action", "what", "object", "ref", "details"]
    return csv_response("audit", header, rows, excel=request.GET.get("format") == "excel")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_token_read(token=token)
    except DomainError as exc:
        return render(
            request, "onboarding/invitation_invalid.html", {"reason": exc.message}, status=400
        )
    existing = selectors.user_get_by_email(email=invitation.email)
    if existing and not request.user.is_authenticated:
        messages.info(
            request,
            gettext("Log in as %(email)s to accept the invitation.") % {"email": invitation.email},
        )
        return redirect_to_login(request.get_full_path())
    form = None if existing else InvitationAcceptNewUserForm(request.POST or None)
    context = {
        "invitation": invitation,
        "role": Membership.Role(invitation.role).label,
        "form": form,
        "company": selectors.company_get(company_id=invitation.company_id),
    }
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if existing:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            else:
                membership = services.invitation_accept_new_user(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend=AUTH_BACKEND)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "onboarding/invitation_accept.html", context, status=403)
        messages.success(
            request, gettext("You joined %(company)s.") % {"company": membership.company.name}
        )
        return _enter(request, membership)
    return render(request, "onboarding/invitation_accept.html", context)


# --- Accounting connection ------------------------------------------------------------------------

# The Connect buttons post to connect_start, which redirects to Codat's Link URL, which sends the
# browser on to the accounting platform's own sign-in. Chrome checks form-action at every hop of a
# form's redirects, and those hosts are Codat's and each platform's: on the two pages with these
# buttons a form may lead to any https page (everywhere else, only to this site).
codat_link_forms = csp_update({"form-action": ["https:"]})


@require_GET
@company_required
@codat_link_forms
def connect(request: CompanyHttpRequest) -> HttpResponse:
    context = {
        "integrations": services.INTEGRATIONS,
        "connection": selectors.connection_get(company=request.company),
        "sandbox": settings.SANDBOX_ENABLED and "/sandbox/" in settings.CODAT_BASE_URL,
    }
    return render(request, "onboarding/connect.html", context)


@require_POST
@company_required(action=Can.MANAGE_SETTINGS)
def connect_start(request: CompanyHttpRequest) -> HttpResponse:
    try:
        link_url = services.connection_start(
            company=request.company,
            platform_key=request.POST.get("platform", ""),
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding:connect")
    return redirect(link_url)


@require_GET
@company_required
def connect_return(request: CompanyHttpRequest) -> HttpResponse:
    params = request.GET
    try:
        services.connection_verify(
            company=request.company,
            actor=request.user,
            codat_company_id=params.get("companyId", ""),
            connection_id=params.get("connectionId", ""),
            status_code=params.get("statusCode", ""),
            error_message=params.get("errorMessage", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding:connect")
    messages.success(request, gettext("Connected. We are reading your bills from your books now."))
    return redirect("onboarding:connection")


@require_GET
@company_required
@codat_link_forms
def connection(request: CompanyHttpRequest) -> HttpResponse:
    current = selectors.connection_get(company=request.company)
    if current is None:
        return redirect("onboarding:connect")
    return render(request, "onboarding/connection.html", {"connection": current})


@require_http_methods(["GET", "POST"])
@company_required(action=Can.MANAGE_SETTINGS)
def disconnect(request: CompanyHttpRequest) -> HttpResponse:
    try:
        current = selectors.connection_get_linked(company=request.company)
    except NotConnected:
        return redirect("onboarding:connect")
    if request.method == "GET":
        return render(request, "onboarding/disconnect.html", {"connection": current})
    try:
        services.connection_disconnect(company=request.company, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Disconnected from %(platform)s. Your bills stay here, read-only.")
            % {"platform": current.platform_name},
        )
    return redirect("onboarding:connection")


@csrf_exempt
@require_POST
def codat_webhook(request) -> HttpResponse:
    """Codat's webhook deliveries: authenticated by their Svix signature, not by a session."""
    try:
        payload = services.webhook_verify(body=request.body, headers=request.headers)
    except WebhookRejected as exc:
        logger.warning("refused a webhook: %s", exc)
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    tasks.webhook_accept(webhook_id=request.headers["webhook-id"], payload=payload)
    return HttpResponse(status=204)
