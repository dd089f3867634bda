from django.apps import AppConfig


class ReliefPolicyConfig(AppConfig):
    name = "core.reliefpolicy"
    label = "reliefpolicy"
    verbose_name = "救助时限与权限（区级）"
