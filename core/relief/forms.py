"""Forms of the relief pages: they only shape input; the services validate and refuse."""

from __future__ import annotations

from django import forms

from core.registry.models import CATEGORY_CHOICES
from core.relief.models import CaseKind, CasePath, EncounterAction, EvidenceKind, HolidayCampaign, StockSource

IMAGE_INPUT = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label="救助类型", choices=CaseKind.choices)
    path = forms.ChoiceField(label="程序（急难型仅适用于临时救助）", choices=CasePath.choices, initial=CasePath.ORDINARY)
    person_id = forms.TypedChoiceField(label="救助对象", coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label="申请事由", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    amount_requested = forms.CharField(label="申请金额（元，可为0）", required=False, initial="0", max_length=20)
    applied_by_community = forms.BooleanField(label="社区代为申请", required=False)
    staff_relative = forms.BooleanField(label="申请人是工作人员或村（居）干部的近亲属", required=False)
    staff_relative_note = forms.CharField(label="近亲属关系说明", required=False, max_length=200)
    need_ids = forms.TypedMultipleChoiceField(label="本案解决的需求", coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, persons=(), needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = [("", "（全户）")] + [(p.pk, p.name) for p in persons]
        self.fields["need_ids"].choices = [(n.pk, f"{n.get_need_type_display()} ×{n.quantity}") for n in needs]


class StepForm(forms.Form):
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    reason = forms.CharField(label="不予批准的理由（书面告知申请人）", widget=forms.Textarea(attrs={"rows": 2}),
                             required=False, max_length=4000)
    amount = forms.CharField(label="金额（元）", required=False, max_length=20)
    monthly_amount = forms.CharField(label="月保障金（元）", required=False, max_length=20)
    above_request_reason = forms.CharField(label="金额高于申请金额时的理由（确认多给）", required=False, max_length=500)
    starts_on = forms.DateField(label="公示开始", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="公示结束", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    FIELDS = {
        "help": ("note", "amount", "above_request_reason"), "investigate": ("note",), "review": ("note",),
        "notice": ("starts_on", "ends_on"), "objection": ("note",),
        "to_district": ("note", "amount", "above_request_reason"), "refuse": ("reason",), "district_refuse": ("reason",),
        "notify_refusal": ("note",), "deliver": ("note",), "close": ("note",), "withdraw": ("note",),
    }

    def __init__(self, *args, step: str, enrolment: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.FIELDS.get(step) or (
            ("note", "monthly_amount") if enrolment else ("note", "amount", "above_request_reason"))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="取证方式", choices=EvidenceKind.choices)
    note = forms.CharField(label="情况记录", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    image = forms.FileField(label="照片或材料图片（可选）", required=False, widget=IMAGE_INPUT)


class ExtendForm(forms.Form):
    reason = forms.CharField(label="延长理由", max_length=300)


class StockInForm(forms.Form):
    item_id = forms.TypedChoiceField(label="物资", coerce=int)
    community_id = forms.TypedChoiceField(label="社区(村)", coerce=int)
    quantity = forms.IntegerField(label="数量")
    source = forms.ChoiceField(label="来源", choices=StockSource.choices)
    donor = forms.CharField(label="捐赠方", required=False, max_length=100)
    occurred_on = forms.DateField(label="入库日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, items=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [(i.pk, f"{i.name}（{i.unit}）") for i in items]
        self.fields["community_id"].choices = [(c.pk, c.name) for c in communities]


class StockOutForm(forms.Form):
    item_id = forms.TypedChoiceField(label="物资", coerce=int)
    quantity = forms.IntegerField(label="数量", initial=1)
    person_id = forms.TypedChoiceField(label="领取对象", coerce=int, required=False, empty_value=None)
    recipient_name = forms.CharField(label="领取人（签收人）姓名", max_length=50)
    confirmation = forms.FileField(label="领取人签名或领取照片", widget=IMAGE_INPUT, required=False)
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, items=(), persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [(i.pk, f"{i.name}（{i.unit}）") for i in items]
        self.fields["person_id"].choices = [("", "（全户）")] + [(p.pk, p.name) for p in persons]


class ItemForm(forms.Form):
    name = forms.CharField(label="新物资名称", max_length=60)
    unit = forms.CharField(label="单位", max_length=10, initial="件")


class CountForm(forms.Form):
    item_id = forms.TypedChoiceField(label="物资", coerce=int)
    community_id = forms.TypedChoiceField(label="社区(村)", coerce=int)
    counted_quantity = forms.IntegerField(label="实盘数量", min_value=0)
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, items=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [(i.pk, i.name) for i in items]
        self.fields["community_id"].choices = [(c.pk, c.name) for c in communities]


class PaymentForm(forms.Form):
    amount = forms.CharField(label="实发金额（元）", max_length=20)
    paid_on = forms.DateField(label="发放日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, max_length=300)


class PaymentCorrectForm(forms.Form):
    reason = forms.CharField(label="冲正原因", max_length=300)
    amount = forms.CharField(label="实际发放金额（元）", max_length=20, required=False)
    paid_on = forms.DateField(label="实际发放日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PatrolForm(forms.Form):
    started_at = forms.DateTimeField(label="巡查时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    area = forms.CharField(label="巡查区域", max_length=200)
    members = forms.CharField(label="巡查人员", max_length=300)
    with_enforcement = forms.BooleanField(label="综合执法队参加", required=False, initial=True)
    notes = forms.CharField(label="情况记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    met_description = forms.CharField(label="遇到人员特征（身份不明时描述）", required=False, max_length=300)
    met_place = forms.CharField(label="发现地点", required=False, max_length=200)
    met_action = forms.ChoiceField(label="处置措施", required=False, choices=[("", "（未遇到需救助人员）"), *EncounterAction.choices])
    met_follow_up = forms.CharField(label="后续跟进", required=False, max_length=300)


class ScheduleForm(forms.Form):
    per_week = forms.IntegerField(label="每周巡查次数", min_value=1, max_value=21)
    with_enforcement = forms.BooleanField(label="联合综合执法队", required=False)
    areas = forms.CharField(label="重点区域", required=False, max_length=300)
    starts_on = forms.DateField(label="考核起始日（此前的周不考核）", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))


class HolidayCampaignForm(forms.Form):
    name = forms.CharField(label="活动名称", max_length=100)
    holiday = forms.ChoiceField(label="节日", choices=HolidayCampaign.Holiday.choices)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    categories = forms.MultipleChoiceField(label="慰问对象类别", choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple)


class HolidayVisitForm(forms.Form):
    gifts = forms.CharField(label="慰问品", required=False, max_length=300)
    cash_amount = forms.CharField(label="慰问金（元）", required=False, initial="0", max_length=20)
    item_id = forms.TypedChoiceField(label="从物资台账发放（可选）", coerce=int, required=False, empty_value=None)
    quantity = forms.IntegerField(label="发放数量", required=False)
    recipient_name = forms.CharField(label="签收人姓名", max_length=50)
    confirmation = forms.FileField(label="签收人签名或照片", widget=IMAGE_INPUT, required=False)
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [("", "（不从台账发放）")] + [(i.pk, f"{i.name}（{i.unit}）") for i in items]
