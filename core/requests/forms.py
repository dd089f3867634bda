from __future__ import annotations

from django import forms

from core.requests.models import RequestCategory, RequestChannel, Satisfaction


class RequestForm(forms.Form):
    channel = forms.ChoiceField(label="来源", choices=RequestChannel.choices, initial=RequestChannel.HOTLINE)
    category = forms.ChoiceField(label="类别", choices=RequestCategory.choices)
    requester_name = forms.CharField(label="诉求人", max_length=50)
    requester_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    household_id = forms.TypedChoiceField(
        label="关联户（已登记的户，社区和网格随户）",
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    community = forms.TypedChoiceField(
        label="社区(村)（关联户时以户为准）", coerce=int, required=False, empty_value=None
    )
    grid = forms.TypedChoiceField(label="网格", coerce=int, required=False, empty_value=None)
    description = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)

    def __init__(self, *args, communities=(), grids=(), households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household_id"].choices = [("", "（不关联 / 尚未登记）")] + list(households)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["grid"].choices = [("", "（不确定）")] + [(g.pk, str(g)) for g in grids]

    def clean(self):
        data = super().clean()
        if not data.get("household_id") and not data.get("community") and not self.has_error("community"):
            self.add_error("community", "请选择社区(村)，或在上方关联已登记的户")
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class FeedbackForm(NoteForm):
    satisfaction = forms.ChoiceField(
        label="诉求人满意度", choices=Satisfaction.choices, widget=forms.RadioSelect
    )


class CloseForm(forms.Form):
    note = forms.CharField(label="办结说明", required=False, max_length=4000)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新办理原因", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
