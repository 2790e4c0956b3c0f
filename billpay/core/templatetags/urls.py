"""`{% fixed_url 'bills:inbox' %}`: `{% url %}` for a URL that takes no arguments, worked out once.

Django's `reverse()` costs some 35 µs a call, and every page's header alone names fourteen links
(the inbox's profile, issue 12 point 11: 0.9 ms of a 12 ms page). A URL with no arguments depends
only on its name, the URLconf and the script prefix, so it is remembered per those three.
Like `{% url %}`, it takes `as name`; a URL with arguments stays a plain `{% url %}`.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reverse(name, get_urlconf(), get_script_prefix())


@lru_cache(maxsize=512)
def _reverse(name: str, urlconf: str | None, script_prefix: str) -> str:
    return reverse(name, urlconf=urlconf)
