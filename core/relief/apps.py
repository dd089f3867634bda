from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "core.relief"
    label = "relief"
    verbose_name = "救助"

    def ready(self) -> None:
        from core.relief import panels

        panels.register()  # its panels on other domains' pages (core.ui.panels)
