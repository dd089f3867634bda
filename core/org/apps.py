from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "core.org"
    label = "org"
    verbose_name = "社区与网格 Communities and grids"
