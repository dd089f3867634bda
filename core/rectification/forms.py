from __future__ import annotations

from django import forms

from core.rectification.models import RectificationSource

CREATABLE_SOURCES = [
    (v, label)
    for v, label in RectificationSource.choices
    if v not in (RectificationSource.PROBLEM, RectificationSource.REQUEST)
]


class RectificationForm(forms.Form):
    # Problems come from the problem ledger and requests from the request page ("转入整改台账"), each
    # through its one service; not typed in here.
    source_type = forms.ChoiceField(label="来源", choices=CREATABLE_SOURCES)
    source_note = forms.CharField(label="来源说明（上级反馈的文号或内容）", max_length=300, required=False)
    title = forms.CharField(label="问题", max_length=200)
    description = forms.CharField(
        label="问题描述及整改要求", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    community = forms.TypedChoiceField(label="社区(村)", coerce=int)
    grid = forms.TypedChoiceField(label="网格", coerce=int, required=False, empty_value=None)
    responsible_user_id = forms.TypedChoiceField(label="责任人", coerce=int)
    due_on = forms.DateField(
        label="整改时限（不填按区里默认）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    lookback_days = forms.IntegerField(
        label="验收后几天回头看（不填按区里默认）", required=False, min_value=1, max_value=365
    )

    def __init__(self, *args, communities=(), grids=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["grid"].choices = [("", "（不限）")] + [(g.pk, str(g)) for g in grids]
        self.fields["responsible_user_id"].choices = list(people)


class EvidenceForm(forms.Form):
    text = forms.CharField(label="文字说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.ImageField(label="照片", required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class VerdictForm(NoteForm):
    passed = forms.TypedChoiceField(
        label="结论",
        choices=[("1", "通过"), ("0", "不通过")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
