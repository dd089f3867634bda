from django.apps import AppConfig


class OnceConfig(AppConfig):
    name = "core.once"
    label = "once"
    verbose_name = "一次性提交 Exactly once"
