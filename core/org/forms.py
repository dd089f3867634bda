from __future__ import annotations

from django import forms

from core.org.models import Community, Grid


class CommunityForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=Community.Kind.choices)
    code = forms.CharField(label="编码", max_length=20, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    director_name = forms.CharField(label="社区(村)主任", max_length=50, required=False)
    director_phone = forms.CharField(label="主任电话", max_length=20, required=False)
    hotline = forms.CharField(label="民政服务热线", max_length=40, required=False)
    hotline_hours = forms.CharField(label="热线服务时间", max_length=100, required=False)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)


class GridForm(forms.Form):
    community = forms.ModelChoiceField(label="社区(村)", queryset=Community.objects.all())
    name = forms.CharField(label="名称", max_length=100)
    code = forms.CharField(label="编码", max_length=20, required=False)


class BuildingForm(forms.Form):
    grid = forms.ModelChoiceField(label="网格", queryset=Grid.objects.select_related("community"))
    name = forms.CharField(label="楼栋", max_length=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    head_name = forms.CharField(label="楼栋长", max_length=50, required=False)
    head_phone = forms.CharField(label="楼栋长电话", max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"


class PlaceForm(forms.Form):
    membership = forms.TypedChoiceField(label="人员", coerce=int)
    community = forms.ModelChoiceField(label="社区(村)", queryset=Community.objects.all(), required=False)
    grid = forms.ModelChoiceField(
        label="网格", queryset=Grid.objects.select_related("community"), required=False
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.user.display_name()} · {m.get_role_display()}") for m in memberships
        ]
        self.fields["grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"
