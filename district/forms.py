from __future__ import annotations

from django import forms

from tenants.models import slug_validator


class StreetOfficeForm(forms.Form):
    name = forms.CharField(label="街道名称", max_length=100)
    slug = forms.CharField(
        label="标识（用于网址）",
        max_length=40,
        validators=[slug_validator],
        help_text="例如 taihangdong，小写字母、数字、连字符",
    )
    code = forms.CharField(label="街道代码", max_length=12, required=False)
    domain = forms.CharField(label="域名（可不填）", max_length=253, required=False)
