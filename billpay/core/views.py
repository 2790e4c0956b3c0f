from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billpay.core.tasks import HEARTBEAT_CACHE_KEY


@require_GET
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing, so it is also the floor for page latency."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database and cache answer. No login, no company data."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    try:
        heartbeat = cache.get(HEARTBEAT_CACHE_KEY)
        checks["cache"] = "ok"
    except Exception:
        heartbeat, checks["cache"] = None, "error"
    if heartbeat:
        age = timezone.now() - datetime.fromisoformat(heartbeat)
        checks["worker_last_seen_s"] = str(int(age.total_seconds()))
    ok = checks["database"] == "ok" and checks["cache"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for where a page names no icon: the app's icon."""
    # Not permanent: the icon's static URL changes with its content in production.
    return HttpResponseRedirect(static("favicon.svg"))
