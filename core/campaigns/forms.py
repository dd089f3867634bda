from __future__ import annotations

from django import forms

from core.campaigns.models import SLA_KINDS, SLA_LABELS, UNIT_CHOICES, CalendarDay

LABELS = {**SLA_LABELS, "rectify": "整改（默认）"}


class CampaignForm(forms.Form):
    name = forms.CharField(label="工作名称", max_length=120)
    starts_on = forms.DateField(
        label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    lookback_days = forms.IntegerField(label="验收后几天回头看", min_value=1, max_value=365)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in (*SLA_KINDS, "rectify"):
            self.fields[f"{kind}_amount"] = forms.IntegerField(
                label=f"{LABELS[kind]}时限", min_value=1, max_value=720
            )
            self.fields[f"{kind}_unit"] = forms.ChoiceField(label="单位", choices=UNIT_CHOICES)


class StreetSlaForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in SLA_KINDS:
            self.fields[f"{kind}_amount"] = forms.IntegerField(
                label=f"{LABELS[kind]}时限", min_value=1, max_value=720, required=False
            )
            # without a unit the district's unit of that time limit applies
            self.fields[f"{kind}_unit"] = forms.ChoiceField(label="单位", choices=UNIT_CHOICES, required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    name = forms.CharField(label="名称", max_length=60, required=False)


class CalendarUploadForm(forms.Form):
    file = forms.FileField(label="CSV 文件（date,kind,name；kind 为 holiday 或 workday）")


class CheckDoneForm(forms.Form):
    evidence = forms.CharField(
        label="佐证材料（时间、地点、参加人员、文号等）", widget=forms.Textarea(attrs={"rows": 2})
    )


class PhaseForm(forms.Form):
    starts_on = forms.DateField(
        label="开始", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(label="结束", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class DeliverableForm(forms.Form):
    due_on = forms.DateField(
        label="截止日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
