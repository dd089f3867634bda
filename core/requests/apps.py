from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "core.requests"
    label = "requests"
    verbose_name = "诉求"
