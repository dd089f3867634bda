from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tenants.campaigns"
    label = "campaigns"
    verbose_name = "工作方案与时限"
