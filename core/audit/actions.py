"""The closed list of audit actions: every ``action`` the audit writer accepts, with its label.

``core.audit.services.audit_record`` / ``audit_record_many`` refuse an action not listed here
(``ValueError``): the trail is read by people and by the district's checks, so every action in it
is named. A new action is one line here (name, Chinese label, English label). Names are
``<object>.<what happened>``; workflow steps write ``<prefix>.<step or status>``.
"""

from __future__ import annotations

import logging

AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    # tenancy, accounts, sign-in (tenants, platform)
    "district.create": ("开设区", "district created"),
    "street_office.create": ("开设街道", "street office created"),
    "user.create": ("创建账号", "account created"),
    "membership.grant": ("授予岗位", "role granted"),
    "membership.place": ("调整负责范围", "member placed"),
    "login.locked_out": ("登录锁定", "sign-in locked out"),
    "login.lockout_lifted": ("解除登录锁定", "sign-in lockout lifted"),
    "login_handoff.purge": ("清理跨站登录凭据", "login hand-offs purged"),
    "id_keys.rotated": ("更换身份证号密钥", "ID number keys rotated"),
    "auth.token_issue": ("签发接口令牌", "API token issued"),
    # district drill-down into a street (tenants.access, ADR 0056): written in both trails
    "district.access_opened": ("区级说明理由查阅街道个人信息", "district stated a reason to read a street's records"),
    "district.access_looked": ("区级查阅街道个人信息", "district looked at a street's records"),
    # integrations (core.integrations: API keys, webhooks)
    "api_key.create": ("创建接口密钥", "API key created"),
    "api_key.revoke": ("吊销接口密钥", "API key revoked"),
    "api_key.use": ("使用接口密钥", "API key used"),
    "webhook.create": ("新建推送订阅", "webhook created"),
    "webhook.update": ("修改推送订阅", "webhook updated"),
    "webhook.delete": ("删除推送订阅", "webhook deleted"),
    "webhook.replay": ("重新推送", "webhook delivery replayed"),
    # organisation (core.org)
    "community.create": ("新建社区(村)", "community created"),
    "community.update": ("修改社区(村)", "community updated"),
    "community.hotline_set": ("修改社区热线", "community hotline set"),
    "grid.create": ("新建网格", "grid created"),
    "grid.update": ("修改网格", "grid updated"),
    "building.create": ("新建楼栋", "building created"),
    "building.update": ("修改楼栋", "building updated"),
    # campaign, policy, calendar (core.campaigns, core.reliefpolicy)
    "campaign.create": ("建立工作方案", "campaign created"),
    "campaign.update": ("修改工作方案", "campaign updated"),
    "phase.update": ("修改工作阶段", "phase updated"),
    "deliverable.update": ("修改阶段任务", "deliverable updated"),
    "deliverable.done": ("阶段任务完成", "deliverable done"),
    "sla.street_set": ("设置街道时限", "street time limits set"),
    "relief_policy.set": ("设置救助政策", "relief policy set"),
    "calendar.set": ("设置工作日", "calendar day set"),
    "calendar.import": ("导入工作日日历", "calendar imported"),
    "calendar.delete": ("删除工作日设置", "calendar day deleted"),
    # clocks (core.deadlines)
    "clock.start": ("开始计时", "clock started"),
    "clock.meet": ("按时限办结", "clock met"),
    "clock.cancel": ("撤销时限", "clock cancelled"),
    "clock.retime": ("调整时限", "clock re-timed"),
    "clock.reassign": ("时限转交", "clock reassigned"),
    # registry (core.registry)
    "household.register": ("登记户", "household registered"),
    "household.update": ("修改户", "household updated"),
    "household.deactivate": ("注销户", "household deregistered"),
    "household.reactivate": ("恢复户", "household restored"),
    "person.register": ("登记人员", "person registered"),
    "person.update": ("修改人员", "person updated"),
    "person.deactivate": ("注销人员", "person deregistered"),
    "person.reactivate": ("恢复人员", "person restored"),
    "person.view_full_id": ("查看完整身份证号", "full ID number viewed"),
    "roster.import": ("上传花名册", "roster uploaded"),
    "roster.import.apply": ("导入花名册", "roster imported"),
    # inspections (core.inspections)
    "visit.record": ("走访记录", "visit recorded"),
    "need.status": ("需求状态变更", "need status changed"),
    "need.reassign": ("需求转派", "need reassigned"),
    "problem.open": ("登记问题", "problem opened"),
    "problem.assign": ("指派问题", "problem assigned"),
    "problem.resolve": ("问题销号", "problem resolved"),
    "problem.reopen": ("问题重新打开", "problem reopened"),
    "problem.to_rectification": ("问题转入整改台账", "problem moved to rectification"),
    "winter-needs.export": ("导出需求台账", "needs ledger exported"),
    "problems.export": ("导出问题台账", "problem ledger exported"),
    "relief-cases.export": ("导出救助案件台账", "relief cases exported"),
    "relief-payments.export": ("导出救助金发放台账", "relief payments exported"),
    "material-ledger.export": ("导出御寒物资台账", "material ledger exported"),
    # requests (core.requests; request.<status> from the workflow's steps)
    "request.receive": ("受理诉求", "request received"),
    "request.responded": ("响应诉求", "request responded"),
    "request.handled": ("处置诉求", "request handled"),
    "request.feedback_given": ("反馈诉求", "request feedback given"),
    "request.closed": ("办结诉求", "request closed"),
    "request.reopen": ("重新办理诉求", "request reopened"),
    "request.assign": ("指派诉求", "request assigned"),
    # rectification (core.rectification)
    "rectification.create": ("整改立项", "rectification opened"),
    "rectification.evidence": ("上传整改佐证", "rectification evidence added"),
    "rectification.fix": ("整改完成", "rectification fixed"),
    "rectification.verify": ("整改验收", "rectification verified"),
    "rectification.lookback": ("整改回头看", "rectification look-back"),
    # relief (core.relief; relief.<step> from the case workflows)
    "relief.accept": ("受理救助申请", "relief case accepted"),
    "relief.evidence": ("上传救助材料", "relief evidence added"),
    "relief.extend": ("延长审核时限", "relief time limit extended"),
    "relief.link_needs": ("关联需求", "relief needs linked"),
    "relief.help": ("先行救助", "emergency help given"),
    "relief.investigate": ("入户调查", "relief investigated"),
    "relief.review": ("街道审核", "relief reviewed"),
    "relief.notice": ("公示", "relief notice published"),
    "relief.objection": ("公示异议", "relief objection"),
    "relief.to_district": ("报区审批", "relief sent to the district"),
    "relief.approve": ("审批通过", "relief approved"),
    "relief.district_approve": ("区审批通过", "relief approved by the district"),
    "relief.district_refuse": ("区不予批准", "relief refused by the district"),
    "relief.refuse": ("不予批准", "relief refused"),
    "relief.notify_refusal": ("书面告知不予批准", "refusal notified"),
    "relief.deliver": ("发放救助", "relief delivered"),
    "relief.close": ("救助办结", "relief closed"),
    "relief.withdraw": ("撤回申请", "relief withdrawn"),
    "relief.payments_expect": ("生成应发放清单", "payments expected"),
    "relief.payment_record": ("登记发放", "payment recorded"),
    "relief.payment_correct": ("发放冲正", "payment corrected"),
    "relief.payment_late": ("发放逾期", "payment late"),
    "patrol.schedule": ("设置巡查安排", "patrol schedule set"),
    "patrol.record": ("登记巡查", "patrol recorded"),
    "holiday.campaign_create": ("建立节日走访", "holiday campaign created"),
    "holiday.record": ("登记节日慰问", "holiday visit recorded"),
    "holiday.visit": ("节日走访", "holiday visit"),
    "material.item_create": ("新建物资", "material item created"),
    "material.in": ("物资入库", "material received"),
    "material.out": ("物资出库", "material issued"),
    "material.reverse": ("物资冲正", "material movement reversed"),
    "material.count": ("物资盘点", "material counted"),
    # reports (reports; submission.<step> from the submission workflow)
    "report.generate": ("生成报表", "report generated"),
    "report.download": ("下载报表", "report downloaded"),
    "report.narrative": ("填写报表说明", "report narrative written"),
    "submission.submit": ("报送报表", "report submitted"),
    "submission.return": ("退回报表", "report returned"),
    "submission.accept": ("接收报表", "report accepted"),
    "submission.request_unlock": ("申请解锁报表", "report unlock requested"),
    "submission.approve_unlock": ("同意解锁报表", "report unlock approved"),
    "submission.refuse_unlock": ("不同意解锁报表", "report unlock refused"),
}


def audit_action_label(action: str) -> str:
    """The Chinese label of an action (the action itself when it is not listed)."""
    return AUDIT_ACTIONS.get(action, (action, action))[0]


def ensure_audit_action(action: str) -> str:
    """``action`` when it is listed. An unlisted one is a programming error: ``ValueError`` in
    development and tests (``NUANDONG_AUDIT_STRICT``, default on everywhere but production); in
    production it is logged as an error and still recorded (the trail never loses an event)."""
    if action not in AUDIT_ACTIONS:
        from django.conf import settings

        message = f"unknown audit action {action!r}: list it in core.audit.actions.AUDIT_ACTIONS"
        if getattr(settings, "NUANDONG_AUDIT_STRICT", True):
            raise ValueError(message)
        logging.getLogger("nuandong.audit").error(message)
    return action
