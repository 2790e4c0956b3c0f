"""The hosted Link pages: pick a platform, then a consent screen that redirects back to the app."""

import uuid
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from billpay.sandbox import companies
from billpay.sandbox.models import SandboxCompany, SandboxConnection
from billpay.sandbox.profiles import PROFILES, get_profile

SCOPES = (
    _("Read your suppliers, bills, bill payments and credit notes"),
    _("Read your chart of accounts, bank accounts, tax rates and payment methods"),
    _("Create and update bills, suppliers and bank accounts"),
    _("Record bill payments against your bills"),
)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("Unknown link") from None


@require_http_methods(["GET", "POST"])
def link_company(request, company_id):
    """Company.redirect: choose an accounting platform, then continue to its consent screen."""
    company = get_object_or_404(SandboxCompany, pk=_uuid(company_id))
    if request.method == "POST":
        key = request.POST.get("platform", "")
        if key not in PROFILES:
            raise Http404("Unknown platform")
        connection = companies.connection_create(company=company, platform_key=key)
        target = reverse(
            "sandbox:link-connection",
            kwargs={"company_id": company.id, "connection_id": connection.id},
        )
        params = _custom_params(request.POST)
        return HttpResponseRedirect(f"{target}?{urlencode(params)}" if params else target)
    # Each platform's colour comes from sandbox/link.css, keyed by the button's value.
    platforms = list(PROFILES.values())
    context = {"company": company, "platforms": platforms, "params": request.GET.dict()}
    return render(request, "sandbox/link_company.html", context)


def _custom_params(data) -> dict[str, str]:
    """Custom Link URL params carried through the forms as hidden p_<name> fields."""
    return {key[2:]: value for key, value in data.items() if key.startswith("p_") and key[2:]}


@require_http_methods(["GET", "POST"])
def link_connection(request, company_id, connection_id):
    """Connection.linkUrl: the platform's consent screen with Approve and Cancel."""
    connection = get_object_or_404(
        SandboxConnection.objects.select_related("company"),
        pk=_uuid(connection_id),
        company_id=_uuid(company_id),
    )
    if request.method == "POST":
        extra = _custom_params(request.POST)
        if request.POST.get("action") == "approve":
            connection = companies.connection_approve(connection=connection)
            return HttpResponseRedirect(companies.redirect_url(connection, 200, extra=extra))
        url = companies.redirect_url(connection, 403, "User cancelled.", extra=extra)
        return HttpResponseRedirect(url)
    profile = get_profile(connection.platform_key)
    context = {
        "connection": connection,
        "company": connection.company,
        "profile": profile,
        "platform_key": profile.key,  # the screen's colours (sandbox/link.css)
        "scopes": SCOPES,
        "params": request.GET.dict(),
    }
    return render(request, "sandbox/link_consent.html", context)
