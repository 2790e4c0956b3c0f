from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "billpay.insights"
    label = "insights"
    verbose_name = "Insights"
