from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "core.registry"
    label = "registry"
    verbose_name = "户籍与人员 Households and persons"

    def ready(self) -> None:
        # The Celery app must be the current app in every Django process (web too), or
        # shared tasks queued with queue_on_commit go to Celery's default broker, not ours.
        # (The project package `nuandong` has no __init__.py to do this the usual way.)
        import nuandong.celery  # noqa: F401
