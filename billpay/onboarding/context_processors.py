from django.http import HttpRequest

from billpay.onboarding.selectors import membership_list_for_user
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY


def navigation(request: HttpRequest) -> dict:
    """The company switcher: the user's companies and the current one (one query at most)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = getattr(request, "memberships", None)  # company_required read them already
    if memberships is None:
        memberships = list(membership_list_for_user(user=user))
    current_id = request.session.get(SESSION_COMPANY_KEY)
    current = next((m for m in memberships if m.company_id == current_id), None)
    return {"nav_memberships": memberships, "nav_current": current}
