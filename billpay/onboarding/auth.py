from django.http import HttpRequest

from billpay.core.parsing import clean_text


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The name django-axes counts failures under: the email as typed, case-folded.

    Cut to what axes' username column holds (255) and without NUL: a login attempt with a
    10,000-character "email" was a DataError (a 500) when axes recorded it.
    """
    source = credentials if credentials is not None else request.POST
    return clean_text(source.get("username") or "", max_length=254).strip().lower()
