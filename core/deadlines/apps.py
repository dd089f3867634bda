from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "core.deadlines"
    label = "deadlines"
    verbose_name = "时限 Deadlines"
