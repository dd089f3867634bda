from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "core.relief"
    label = "relief"
    verbose_name = "救助"
