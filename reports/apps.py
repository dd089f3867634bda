from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = "报表"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reports import rollup
        from reports.kinds import load_all

        load_all()
        rollup.register()
