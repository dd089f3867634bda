from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "core.inspections"
    label = "inspections"
    verbose_name = "排查 Inspections"
