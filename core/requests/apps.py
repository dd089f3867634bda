from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "core.requests"
    label = "requests"
    verbose_name = "诉求"

    def ready(self) -> None:
        from core.requests import panels

        panels.register()  # its panels on other domains' pages (core.ui.panels)
