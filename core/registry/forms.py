"""Web forms of the registry: they only convert input; services validate and write."""

from __future__ import annotations

from django import forms

from core.org.models import Building, Community, Grid
from core.registry.idnumbers import ID_INPUT_MAX_LENGTH
from core.registry.models import CATEGORY_CHOICES, Person


class HouseholdForm(forms.Form):
    number = forms.CharField(label="户编号", max_length=30, required=False)
    community = forms.ModelChoiceField(label="社区(村)", queryset=Community.objects.none())
    grid = forms.ModelChoiceField(label="网格", queryset=Grid.objects.none())
    building = forms.ModelChoiceField(label="楼栋", queryset=Building.objects.none(), required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    no_fixed_address = forms.BooleanField(label="无固定住所（流浪乞讨人员等）", required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    phone_only = forms.BooleanField(label="仅能电话随访", required=False)
    phone_only_reason = forms.CharField(label="仅电话随访原因", max_length=200, required=False)
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, communities, grids, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = grids
        self.fields["building"].queryset = buildings
        self.fields["grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"
        self.fields["building"].label_from_instance = lambda b: f"{b.grid.name} · {b.name}"


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号",
        max_length=ID_INPUT_MAX_LENGTH,  # spaces and full-width digits are normalised by the service
        required=False,
        help_text="流浪乞讨人员可不填；性别和出生日期由身份证号得出",
    )
    phone = forms.CharField(label="手机号码", max_length=11, required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=Person.Relation.choices)
    categories = forms.MultipleChoiceField(
        label="对象类别", choices=CATEGORY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    dibao_status = forms.ChoiceField(label="低保", choices=Person.SupportStatus.choices)
    extreme_poverty_status = forms.ChoiceField(label="特困供养", choices=Person.SupportStatus.choices)
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)
