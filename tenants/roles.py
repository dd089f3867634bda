"""Roles and the one permission matrix (role x action).

Every permission check in the product asks ``role_can(role, action)`` (through ``Member.can``).
The README renders this table; tests check it cell by cell.

Actions ending in ``.view`` read; every other action writes. District roles are read-only
inside street offices: only their ``.view`` actions apply there (``Member.can``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# --- roles -------------------------------------------------------------------------------
DISTRICT_ADMIN = "district_admin"
DISTRICT_VIEWER = "district_viewer"
STREET_LEADER = "street_leader"
STREET_STAFF = "street_staff"
COMMUNITY_DIRECTOR = "community_director"
COMMUNITY_WORKER = "community_worker"
GRID_WORKER = "grid_worker"
BUILDING_HEAD = "building_head"
ENFORCEMENT = "enforcement"
VOLUNTEER = "volunteer"

ROLE_CHOICES = [
    (DISTRICT_ADMIN, _("区民政局管理员")),
    (DISTRICT_VIEWER, _("区级查看")),
    (STREET_LEADER, _("街道领导")),
    (STREET_STAFF, _("街道民政办")),
    (COMMUNITY_DIRECTOR, _("社区(村)主任")),
    (COMMUNITY_WORKER, _("社区民政工作人员")),
    (GRID_WORKER, _("网格员")),
    (BUILDING_HEAD, _("楼栋长")),
    (ENFORCEMENT, _("综合执法队")),
    (VOLUNTEER, _("志愿者")),
]
ROLES = [code for code, _label in ROLE_CHOICES]
DISTRICT_ROLES = frozenset({DISTRICT_ADMIN, DISTRICT_VIEWER})
STREET_ROLES = frozenset(ROLES) - DISTRICT_ROLES

# How far a role reaches inside a street office; `scope_to_member` (core) applies it.
SCOPE_DISTRICT, SCOPE_STREET, SCOPE_COMMUNITY, SCOPE_GRID = "district", "street", "community", "grid"
ROLE_SCOPE = {
    DISTRICT_ADMIN: SCOPE_DISTRICT,
    DISTRICT_VIEWER: SCOPE_DISTRICT,
    STREET_LEADER: SCOPE_STREET,
    STREET_STAFF: SCOPE_STREET,
    ENFORCEMENT: SCOPE_STREET,
    COMMUNITY_DIRECTOR: SCOPE_COMMUNITY,
    COMMUNITY_WORKER: SCOPE_COMMUNITY,
    VOLUNTEER: SCOPE_COMMUNITY,
    GRID_WORKER: SCOPE_GRID,
    BUILDING_HEAD: SCOPE_GRID,
}

# --- actions -----------------------------------------------------------------------------
ACTIONS: dict[str, str] = {
    # district level (public schema)
    "district.view": "查看区级总览 / view the district overview",
    "district.manage_streets": "开设街道 / create street offices",
    "district.manage_members": "管理区级与街道账号 / manage accounts",
    "campaign.view": "查看工作方案与时限 / view the campaign",
    "campaign.manage": "设置工作方案、阶段与时限 / set the campaign, phases and SLA",
    "campaign.street_edit": "街道收紧时限、登记阶段任务完成 / tighten the street's SLA, check off phase tasks",
    # street level (tenant schema)
    "street.view": "进入街道工作台 / open the street workspace",
    "member.view": "查看人员 / view staff",
    "member.manage": "管理街道人员与角色 / manage street staff",
    "org.view": "查看社区、网格、楼栋 / view communities, grids, buildings",
    "org.edit": "维护社区、网格、楼栋 / edit communities, grids, buildings",
    "hotline.edit": "维护民政服务热线 / edit hotlines",
    "household.view": "查看户籍与人员 / view households and persons",
    "household.edit": "登记与修改户、人员 / register and edit households and persons",
    "roster.import": "导入花名册 / import rosters",
    "person.view_full_id": "查看完整身份证号 / see full ID numbers",
    "coverage.view": "查看排查覆盖率 / view inspection coverage",
    "visit.view": "查看走访记录 / view visits",
    "visit.create": "入户核查、电话随访 / record visits",
    "need.view": "查看过冬需求台账 / view the winter-needs ledger",
    "need.edit": "处理过冬需求 / handle needs",
    "problem.view": "查看问题台账 / view the problem ledger",
    "problem.edit": "处理问题 / handle problems",
    "request.view": "查看诉求 / view requests",
    "request.create": "登记诉求 / register requests",
    "request.respond": "响应诉求 / respond to requests",
    "request.handle": "处置诉求 / handle requests",
    "request.feedback": "反馈诉求 / give feedback",
    "request.close": "办结诉求 / close requests",
    "rectification.view": "查看整改台账 / view rectifications",
    "rectification.edit": "整改 / rectify",
    "rectification.verify": "验收整改、回头看 / verify and re-check",
    "relief.view": "查看救助 / view relief",
    "relief.edit": "登记救助 / record relief",
    "relief.approve": "审批救助 / approve relief",
    "relief.district_decide": "审批超街道额度的救助（区级） / decide relief above the street's limit (district)",
    "material.view": "查看物资台账 / view the material ledger",
    "material.edit": "物资入库与发放 / record material in and out",
    "patrol.view": "查看街面巡查 / view patrols",
    "patrol.create": "记录街面巡查 / record patrols",
    "patrol.schedule": "设置街面巡查计划 / set the patrol schedule",
    "holiday.view": "查看节日走访慰问 / view holiday visits",
    "holiday.manage": "组织节日走访慰问活动 / organise holiday visit campaigns",
    "holiday.record": "记录节日走访慰问 / record holiday visits",
    "report.view": "查看报表 / view reports",
    "report.compile": "编制报表 / compile reports",
    "report.submit": "报送报表 / submit reports",
    "report.approve": "审核报表 / approve reports",
    "deadline.view": "查看时限 / view deadlines",
    "deadline.supervise": "查看负责范围内全部时限与督办 / see every deadline in one's reach",
    "notification.view": "查看通知 / view notifications",
    "notification.read": "标记通知已读 / mark notifications read",
    "audit.view": "查看操作日志 / view the audit trail",
    "integration.manage": "管理接口密钥与推送 / manage API keys and webhooks",
    "district.drill_down": "说明理由后查阅街道个人信息（只读，30 分钟） / state a reason to read a street's person-level records (read-only, 30 minutes)",
}


def is_read_action(action: str) -> bool:
    return action.endswith(".view")


_VIEW_ALL_STREET = {a for a in ACTIONS if is_read_action(a) and not a.startswith(("district.",))}
_SELF = {"deadline.view", "notification.view", "notification.read", "street.view"}
# Write actions a district role may take inside a street office (where it otherwise only reads):
# relief above the street's limit is decided by the district (issue 13).
# Opening a street's person-level records with a stated reason (break-the-glass, ADR 0056) is a
# write (a grant, two audit records) a district role may do inside a street office.
DISTRICT_STREET_WRITES = frozenset({"relief.district_decide", "district.drill_down"})
# What a district role may read inside a street office only while a stated reason is open there
# (``tenants.access``; ``Member.can`` applies it): the street's person-level lists, read-only.
DISTRICT_DRILL_DOWN = frozenset({
    "household.view", "visit.view", "need.view", "problem.view", "request.view", "rectification.view",
})

PERMISSIONS: dict[str, frozenset[str]] = {
    DISTRICT_ADMIN: frozenset(
        {
            "district.view",
            "district.manage_streets",
            "district.manage_members",
            "campaign.view",
            "campaign.manage",
            "street.view",
            "org.view",
            "member.view",
            "report.view",
            "report.approve",
            "coverage.view",
            "deadline.view",
            "notification.view",
            "notification.read",
            "audit.view",
            "integration.manage",
            "relief.view",
            "relief.district_decide",
            "district.drill_down",
            "material.view",
            "patrol.view",
            "holiday.view",
        }
    ),
    DISTRICT_VIEWER: frozenset(
        {
            "district.view",
            "campaign.view",
            "street.view",
            "org.view",
            "report.view",
            "deadline.view",
            "notification.view",
            "coverage.view",
            "notification.read",
            "district.drill_down",
            "relief.view",
            "material.view",
            "patrol.view",
            "holiday.view",
        }
    ),
    STREET_LEADER: frozenset(
        _VIEW_ALL_STREET
        | {
            "campaign.view",
            "person.view_full_id",
            "report.approve",
            "relief.approve",
            "rectification.verify",
            "notification.read",
            "deadline.supervise",
            "patrol.schedule",
            "holiday.manage",
        }
    ),
    STREET_STAFF: frozenset(
        set(ACTIONS)
        - {
            "district.view",
            "district.manage_streets",
            "district.manage_members",
            "district.drill_down",
            "campaign.manage",
            "report.approve",
            "relief.district_decide",
        }
    ),
    COMMUNITY_DIRECTOR: frozenset(
        _VIEW_ALL_STREET - {"audit.view", "member.view"}
        | {
            "household.edit",
            "roster.import",
            "person.view_full_id",
            "visit.create",
            "need.edit",
            "problem.edit",
            "request.create",
            "request.respond",
            "request.handle",
            "request.feedback",
            "request.close",
            "rectification.edit",
            "rectification.verify",
            "relief.edit",
            "material.edit",
            "report.compile",
            "report.submit",
            "hotline.edit",
            "campaign.view",
            "notification.read",
            "deadline.supervise",
            "holiday.record",
        }
    ),
    COMMUNITY_WORKER: frozenset(
        _VIEW_ALL_STREET - {"audit.view", "member.view"}
        | {
            "household.edit",
            "roster.import",
            "person.view_full_id",
            "visit.create",
            "need.edit",
            "problem.edit",
            "request.create",
            "request.respond",
            "request.handle",
            "request.feedback",
            "rectification.edit",
            "relief.edit",
            "material.edit",
            "report.compile",
            "campaign.view",
            "notification.read",
            "holiday.record",
        }
    ),
    GRID_WORKER: frozenset(
        _SELF
        | {
            "org.view",
            "household.view",
            "household.edit",
            "visit.view",
            "visit.create",
            "need.view",
            "problem.view",
            "coverage.view",
            "request.view",
            "request.create",
            "request.respond",
            "request.feedback",
            "rectification.view",
            "rectification.edit",
            "holiday.view",
            "holiday.record",
        }
    ),
    BUILDING_HEAD: frozenset(
        _SELF | {"org.view", "household.view", "visit.view", "request.view", "request.create"}
    ),
    ENFORCEMENT: frozenset(_SELF | {"patrol.view", "patrol.create", "request.view", "request.create"}),
    VOLUNTEER: frozenset(_SELF | {"material.view", "holiday.view", "holiday.record"}),
}


def role_can(role: str, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to tenants.roles.ACTIONS")
    return action in PERMISSIONS.get(role, frozenset())


def role_label(role: str) -> str:
    return str(dict(ROLE_CHOICES).get(role, role))


ROLE_SHORT = {
    DISTRICT_ADMIN: "区管",
    DISTRICT_VIEWER: "区查",
    STREET_LEADER: "街领",
    STREET_STAFF: "街办",
    COMMUNITY_DIRECTOR: "社主",
    COMMUNITY_WORKER: "社工",
    GRID_WORKER: "网格",
    BUILDING_HEAD: "楼长",
    ENFORCEMENT: "执法",
    VOLUNTEER: "志愿",
}


def render_markdown_table() -> str:
    """The matrix as Markdown (README); columns are roles, rows are actions."""
    header = "| action | " + " | ".join(f"{ROLE_SHORT[r]}<br>`{r}`" for r in ROLES) + " |"
    rule = "|---|" + "|".join(":-:" for _ in ROLES) + "|"
    rows = [
        f"| `{action}` {ACTIONS[action].split(' / ')[0]} | "
        + " | ".join("✓" if role_can(r, action) else "" for r in ROLES)
        + " |"
        for action in ACTIONS
    ]
    return "\n".join([header, rule, *rows])
