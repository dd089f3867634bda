from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "core.inspections"
    label = "inspections"
    verbose_name = "排查 Inspections"

    def ready(self) -> None:
        from core.inspections import panels

        panels.register()  # its panels on other domains' pages (core.ui.panels)
