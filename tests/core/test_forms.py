"""core.forms.FixedSelect: remembered HTML that is exactly what Django's Select writes."""

import pytest
from django import forms
from django.utils import translation

from billpay.core.forms import FixedSelect

CHOICES = [("", "Any"), ("a", "Alpha & <b>"), ("b", "Beta")]


class Plain(forms.Form):
    pick = forms.ChoiceField(choices=CHOICES, required=False)


class Fixed(forms.Form):
    pick = forms.ChoiceField(choices=CHOICES, required=False, widget=FixedSelect)


@pytest.mark.parametrize("value", ["", "a", "b", "not-a-choice", '"><script>'])
def test_it_writes_what_django_writes_for_every_value(value):
    plain, fixed = Plain({"pick": value}), Fixed({"pick": value})

    assert str(fixed["pick"]) == str(plain["pick"])
    assert str(fixed["pick"]) == str(Fixed({"pick": value})["pick"])  # from memory, the same


def test_the_selected_option_follows_the_value():
    assert 'value="a" selected' in str(Fixed({"pick": "a"})["pick"])
    assert 'value="b" selected' in str(Fixed({"pick": "b"})["pick"])
    assert "selected" not in str(Fixed({"pick": "zzz"})["pick"]).replace('value=""', "")


def test_labels_stay_escaped_and_each_language_is_remembered_apart():
    html = str(Fixed({"pick": ""})["pick"])
    assert "Alpha &amp; &lt;b&gt;" in html
    with translation.override("fr"):
        str(Fixed({"pick": ""})["pick"])
    languages = {key[-1] for key in FixedSelect._rendered}
    assert {"fr", translation.get_language()} <= languages
