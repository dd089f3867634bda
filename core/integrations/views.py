"""接口与推送: API keys and webhooks of the street office (street site) or district (district site).

Street staff manage their street office's, the district admin the district's (``integration.manage``).
A new key's secret is shown once, on the page the creation redirects to (kept in the session only
until that page has shown it).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.integrations import keys as key_services
from core.integrations.forms import ApiKeyForm
from core.integrations.models import ApiKey
from core.integrations.scopes import SCOPES
from core.ui.decorators import member_required
from core.ui.errors import apply_errors

_SHOW_ONCE = "integrations_show_once"


@member_required("integration.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def integrations_home(request):
    """GET: keys and webhooks of this street office / district; POST: create a key (then shown once)."""
    member = request.member
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = None
        if data["expires_on"]:
            end_of_day = dt.datetime.combine(data["expires_on"], dt.time(23, 59, 59))
            expires_at = timezone.make_aware(end_of_day)
        try:
            key, full_key = key_services.key_create(
                actor=member, name=data["name"], scopes=data["scopes"], expires_at=expires_at,
                allowed_ips=data["allowed_ips"], rate_per_minute=data["rate_per_minute"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session[_SHOW_ONCE] = {"kind": "key", "id": key.pk, "secret": full_key}
            return redirect("integrations:key", key_id=key.pk)
    return render(request, "integrations/home.html", {
        "form": form,
        "keys": key_services.keys_of(member),
        "webhooks": _webhooks_of(member),
        "now": timezone.now(),
        "scope_labels": {name: label for name, (label, _a) in SCOPES.items()},
    })


def _webhooks_of(member):
    from core.integrations.webhooks import subscriptions_of

    return subscriptions_of(member)


@never_cache
@member_required("integration.manage")
def key_detail(request, key_id: int):
    """One key; right after its creation also its full value, once."""
    key = ApiKey.objects.filter(key_services.owner_filter(request.member), pk=key_id).first()
    if key is None:
        raise Http404("未找到该密钥 / no such key")
    shown = request.session.get(_SHOW_ONCE) or {}
    secret = None
    if shown.get("kind") == "key" and shown.get("id") == key.pk:
        secret = shown["secret"]
        del request.session[_SHOW_ONCE]
    return render(request, "integrations/key.html", {
        "key": key, "secret": secret, "now": timezone.now(),
        "scope_labels": {name: label for name, (label, _a) in SCOPES.items()},
    })


@member_required("integration.manage")
@require_POST
def key_revoke(request, key_id: int):
    try:
        key = key_services.key_revoke(actor=request.member, key_id=key_id)
    except ApiKey.DoesNotExist:
        raise Http404("未找到该密钥 / no such key") from None
    messages.success(request, _("已吊销密钥 %(name)s") % {"name": key.name})
    return redirect("integrations:home")


# --- webhooks -------------------------------------------------------------------------------
@member_required("integration.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_new(request):
    """GET: the form; POST: subscribe (the secret is then shown once on the subscription's page)."""
    from core.integrations.forms import WebhookForm
    from core.integrations.webhooks import subscription_create

    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sub, secret = subscription_create(actor=request.member, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session[_SHOW_ONCE] = {"kind": "webhook", "id": sub.pk, "secret": secret}
            return redirect("integrations:webhook", subscription_id=sub.pk)
    return render(request, "integrations/webhook_new.html", {"form": form})


@never_cache
@member_required("integration.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_detail(request, subscription_id: int):
    """A subscription and its delivery log (newest 100); POST ``active=0|1`` switches it off/on,
    POST ``delete=1`` removes it."""
    from core.integrations.webhooks import (
        deliveries_of,
        subscription_delete,
        subscription_update,
        subscriptions_of,
    )

    sub = subscriptions_of(request.member).filter(pk=subscription_id).first()
    if sub is None:
        raise Http404("未找到该推送订阅 / no such subscription")
    if request.method == "POST":
        if request.POST.get("delete") == "1":
            subscription_delete(actor=request.member, subscription_id=sub.pk)
            messages.success(request, _("已删除推送订阅 %(name)s") % {"name": sub.name})
            return redirect("integrations:home")
        if request.POST.get("active") in ("0", "1"):
            subscription_update(actor=request.member, subscription_id=sub.pk, is_active=request.POST["active"] == "1")
            messages.success(request, _("已保存"))
        return redirect("integrations:webhook", subscription_id=sub.pk)
    shown = request.session.get(_SHOW_ONCE) or {}
    secret = None
    if shown.get("kind") == "webhook" and shown.get("id") == sub.pk:
        secret = shown["secret"]
        del request.session[_SHOW_ONCE]
    deliveries = deliveries_of(request.member, subscription_id=sub.pk).prefetch_related("attempt_log")[:100]
    return render(request, "integrations/webhook.html", {"sub": sub, "secret": secret, "deliveries": deliveries})


@member_required("integration.manage")
@require_POST
def delivery_replay(request, delivery_id: int):
    from core.integrations.models import WebhookDelivery
    from core.integrations.webhooks import delivery_replay as replay

    try:
        delivery = replay(actor=request.member, delivery_id=delivery_id)
    except WebhookDelivery.DoesNotExist:
        raise Http404("未找到该推送记录 / no such delivery") from None
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("integrations:home")
    messages.success(request, _("已重新排队推送"))
    return redirect("integrations:webhook", subscription_id=delivery.subscription_id)
