"""Request typing and the tenant gate every company page goes through."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from billpay.onboarding.models import Company, Membership, User
from billpay.onboarding.roles import Can, refusal, role_allows, two_factor_refusal
from billpay.onboarding.selectors import membership_in, membership_list_for_user

SESSION_COMPANY_KEY = "company_id"


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class CompanyHttpRequest(AuthenticatedHttpRequest):
    company: Company
    membership: Membership
    memberships: list[Membership]  # all of the user's, alphabetical (the company switcher)


View = Callable[..., HttpResponse]


def company_required(view: View | None = None, *, action: Can = Can.VIEW, second_step: bool = True):
    """Log-in required; sets request.company and request.membership from the session.

    A company in the session that the user does not belong to is a 404 (and is forgotten); a
    user with no company yet is sent to create one. A member whose role does not allow `action`
    (billpay.onboarding.roles) gets a 403 that says why. When the company requires two-step
    login and the session has not passed it, the member is led to the two-step page, or refused
    confirming payments (`_second_step`); `second_step=False` lets a page through anyway (the
    company switcher: a member may leave for a company that does not require it).
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: CompanyHttpRequest, *args, **kwargs) -> HttpResponse:
            company_id = request.session.get(SESSION_COMPANY_KEY)
            # All of the user's memberships in one query: the company switcher on every page
            # needs them too (context_processors.navigation reads request.memberships).
            memberships = list(membership_list_for_user(user=request.user))
            request.memberships = memberships
            if company_id is None:
                membership = memberships[0] if memberships else None
                if membership is None:
                    return redirect("onboarding:company-create")
                request.session[SESSION_COMPANY_KEY] = membership.company_id
            else:
                membership = membership_in(memberships, company_id=company_id)
                if membership is None:
                    del request.session[SESSION_COMPANY_KEY]
                    raise Http404("No such company.")
            if not role_allows(membership.role, action):
                raise PermissionDenied(refusal(action))
            if second_step and membership.company.require_two_factor and not _verified(request):
                return _second_step(request, membership, action)
            request.membership = membership
            request.company = membership.company
            return view(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def _verified(request: AuthenticatedHttpRequest) -> bool:
    """Whether this session passed two-step login (django-otp's OTPMiddleware)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _second_step(request: CompanyHttpRequest, membership: Membership, action: Can) -> HttpResponse:
    """The company requires two-step login and this session has not passed it: confirming a
    payment is refused (403, saying why); any other page leads to setting it up or typing a
    code (the two-step page), then back here."""
    if action == Can.CONFIRM_PAYMENTS:
        raise PermissionDenied(two_factor_refusal())
    messages.info(
        request,
        gettext("%(company)s requires two-step login: finish it to go on.")
        % {"company": membership.company.name},
    )
    back = request.get_full_path() if request.method == "GET" else reverse("onboarding:home")
    url = f"{reverse('onboarding:two-factor')}?{urlencode({'next': back})}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
