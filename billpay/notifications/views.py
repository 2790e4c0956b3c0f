from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from billpay.notifications import selectors, services
from billpay.notifications.forms import PreferencesForm
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


@require_GET
@company_required
def notification_count(request: CompanyHttpRequest) -> HttpResponse:
    """The bell's count, polled by htmx (the page itself runs no query for it)."""
    count = selectors.unread_count(user=request.user, company=request.company)
    return render(request, "notifications/_count.html", {"count": count})


@require_http_methods(["GET", "POST"])
@company_required
def notification_list(request: CompanyHttpRequest) -> HttpResponse:
    """What the user was told here; POST `read` marks it all read, POST `save` the choices."""
    preferences = selectors.preferences_for(user=request.user)
    form = PreferencesForm(
        request.POST if "save" in request.POST else None, preferences=preferences
    )
    if request.method == "POST":
        if "read" in request.POST:
            services.notifications_read(user=request.user, company=request.company)
            return redirect("notifications:list")
        if form.is_valid():
            services.preferences_save(user=request.user, choices=form.choices())
            messages.success(request, gettext("Your choices are saved."))
            return redirect("notifications:list")
    context = {
        "notifications": selectors.notification_list(user=request.user, company=request.company),
        "form": form,
    }
    return render(request, "notifications/list.html", context)
