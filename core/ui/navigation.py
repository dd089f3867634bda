"""The navigation table: (label, url name, action, site). Pages appear only for roles that may use them.

Domain apps add their rows here; a row whose URL does not exist on the current site is skipped.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STREET, DISTRICT = "street", "district"

NAV: list[tuple[str, str, str, str]] = [
    (_("工作台"), "home", "street.view", STREET),
    (_("我的网格"), "inspections:my_grid", "visit.create", STREET),
    (_("诉求"), "request_board", "request.view", STREET),
    (_("我的时限"), "my_deadlines", "deadline.view", STREET),
    (_("需求台账"), "inspections:needs", "need.view", STREET),
    (_("问题台账"), "inspections:problems", "problem.view", STREET),
    (_("整改台账"), "rectification_ledger", "rectification.view", STREET),
    (_("救助"), "relief:cases", "relief.view", STREET),
    (_("物资台账"), "relief:materials", "material.view", STREET),
    (_("街面巡查"), "relief:patrols", "patrol.view", STREET),
    (_("节日慰问"), "relief:holidays", "holiday.view", STREET),
    (_("户籍台账"), "registry:households", "household.view", STREET),
    (_("排查覆盖"), "inspections:coverage", "coverage.view", STREET),
    (_("社区网格"), "org:index", "org.view", STREET),
    (_("报表"), "reports:index", "report.view", STREET),
    (_("工作方案"), "street_campaign", "campaign.view", STREET),
    (_("热线"), "hotline_edit", "hotline.edit", STREET),
    (_("通知"), "notifications", "notification.view", STREET),
    (_("登录锁定"), "login_lockouts", "member.manage", STREET),
    (_("接口与推送"), "integrations:home", "integration.manage", STREET),
    (_("区级总览"), "home", "district.view", DISTRICT),
    (_("超时清单"), "district_overdue", "district.view", DISTRICT),
    (_("工作方案与时限"), "campaign_settings", "campaign.view", DISTRICT),
    (_("阶段进度"), "campaign_progress", "campaign.view", DISTRICT),
    (_("工作日历"), "campaign_calendar", "campaign.view", DISTRICT),
    (_("跨街道重复"), "id_duplicates", "district.view", DISTRICT),
    (_("报表"), "reports:index", "report.view", DISTRICT),
    (_("街道报送"), "reports:district_submissions", "report.view", DISTRICT),
    (_("通知"), "notifications", "notification.view", DISTRICT),
    (_("登录锁定"), "login_lockouts", "district.manage_members", DISTRICT),
    (_("接口与推送"), "integrations:home", "integration.manage", DISTRICT),
]
