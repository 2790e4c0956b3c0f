from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "billpay.onboarding"
    label = "onboarding"
    verbose_name = "Companies and members"
