from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "core.integrations"
    label = "integrations"
    verbose_name = "接口密钥与推送 Integrations"
    # Webhooks subscribe to the domain events in core/integrations/consumers.py (found by core.events).
