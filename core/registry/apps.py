from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "core.registry"
    label = "registry"
    verbose_name = "户籍与人员 Households and persons"
