from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """The project's template engine (so templates/ overrides work), with each field wrapped in <div class="field"> for spacing and errors."""

    field_template_name = "core/forms/field.html"
