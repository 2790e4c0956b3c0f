from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The name django-axes counts failures under: the email as typed, case-folded."""
    source = credentials if credentials is not None else request.POST
    return (source.get("username") or "").strip().lower()
