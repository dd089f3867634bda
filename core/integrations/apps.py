from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "core.integrations"
    label = "integrations"
    verbose_name = "接口密钥与推送 Integrations"

    def ready(self) -> None:
        from core.integrations import events  # noqa: F401 - subscribes webhooks to the domain events
