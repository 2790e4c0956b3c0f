"""A logged-in user's language: the one they chose in the header, on every request."""

from django.utils import translation


class UserLanguageMiddleware:
    """Activates `request.user.language` when set (after AuthenticationMiddleware, which loads the
    user in the same query as always); LocaleMiddleware has already applied Accept-Language or
    the language cookie for everyone else, and writes Content-Language from what is active."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
