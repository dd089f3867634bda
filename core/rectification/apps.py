from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "core.rectification"
    label = "rectification"
    verbose_name = "整改台账"

    def ready(self) -> None:
        from core.rectification import panels

        panels.register()  # its panels on other domains' pages (core.ui.panels)
