from django.apps import AppConfig


class MappingConfig(AppConfig):
    name = "billpay.mapping"
    label = "mapping"
    verbose_name = "Account mapping"
