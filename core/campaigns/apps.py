from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "core.campaigns"
    label = "campaigns"
    verbose_name = "工作方案与时限"
