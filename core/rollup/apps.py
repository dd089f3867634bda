from django.apps import AppConfig


class RollupConfig(AppConfig):
    name = "core.rollup"
    label = "rollup"
    verbose_name = "区级汇总"

    def ready(self) -> None:
        from core.rollup import triggers

        triggers.connect()
