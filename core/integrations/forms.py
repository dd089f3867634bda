"""Forms of the integrations pages (接口与推送)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.integrations.events import EVENT_CHOICES
from core.integrations.keys import DEFAULT_RATE_PER_MINUTE, MAX_RATE_PER_MINUTE
from core.integrations.scopes import SCOPE_CHOICES


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("名称（对接系统）"), max_length=80,
                           widget=forms.TextInput(attrs={"placeholder": _("如 12345热线")}))
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple)
    expires_on = forms.DateField(label=_("到期日期（可不填）"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    allowed_ips = forms.CharField(
        label=_("允许的来源地址（每行一个，可不填）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "203.0.113.0/24"}),
    )
    rate_per_minute = forms.IntegerField(label=_("每分钟请求上限"), min_value=1, max_value=MAX_RATE_PER_MINUTE,
                                         initial=DEFAULT_RATE_PER_MINUTE)


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https",
                         widget=forms.URLInput(attrs={"placeholder": "https://example.invalid/nuandong"}))
    event_types = forms.MultipleChoiceField(label=_("推送的事件"), choices=EVENT_CHOICES,
                                            widget=forms.CheckboxSelectMultiple)
