from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "core.events"
    label = "events"
    verbose_name = "领域事件 Domain events"

    def ready(self) -> None:
        # Consumers register at start-up: every installed app's ``consumers`` module is imported
        # (core.notifications.consumers, ...), before any event can be published or delivered.
        autodiscover_modules("consumers")
