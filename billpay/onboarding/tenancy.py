"""Request typing and the tenant gate every company page goes through."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from billpay.onboarding.models import Company, Membership, User
from billpay.onboarding.roles import Can, refusal, role_allows
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


def company_required(view: View | None = None, *, action: Can = Can.VIEW):
    """Log-in required; sets request.company and request.membership from the session.

    A company in the session that the user does not belong to is a 404 (and is forgotten); a
    user with no company yet is sent to create one. A member whose role does not allow `action`
    (billpay.onboarding.roles) gets a 403 that says why.
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
            request.membership = membership
            request.company = membership.company
            return view(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator
