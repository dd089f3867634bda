from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class DeadlinesConfig(AppConfig):
    name = "core.deadlines"
    label = "deadlines"
    verbose_name = "时限 Deadlines"

    def ready(self) -> None:
        # Domains register their clock subjects, kinds and street work (core.deadlines.subjects) in
        # their own ``deadlines.py`` modules: the engine names none of them.
        autodiscover_modules("deadlines")
