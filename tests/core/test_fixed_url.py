"""`{% fixed_url %}` (core/templatetags/urls.py) writes exactly what `{% url %}` writes, for
every argument-less URL the templates name with it, and follows the script prefix."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import set_script_prefix

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NAMES = sorted(
    {
        name
        for path in TEMPLATES.rglob("*.html")
        for name in re.findall(r"\{% fixed_url '([^']+)'", path.read_text())
    }
)


def _render(source: str) -> str:
    return Template("{% load urls %}" + source).render(Context())


def test_the_templates_use_it():
    assert len(NAMES) >= 15, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_it_writes_what_the_url_tag_writes(name):
    assert _render(f"{{% fixed_url '{name}' %}}") == _render(f"{{% url '{name}' %}}")


def test_it_sets_a_variable_with_as():
    assert _render("{% fixed_url 'bills:inbox' as u %}[{{ u }}]") == "[/bills/]"


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/app/")
        assert _render("{% fixed_url 'bills:inbox' %}") == "/app/bills/"
    finally:
        set_script_prefix("/")
    assert _render("{% fixed_url 'bills:inbox' %}") == "/bills/"


def test_an_unknown_name_fails_as_the_url_tag_does():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        _render("{% fixed_url 'bills:no-such-page' %}")
