"""Delivery channels. Email goes through Django's mail backend; SMS through a pluggable provider.

Configure ``NUANDONG_NOTIFY_CHANNELS`` (default email and sms) and ``NUANDONG_SMS_BACKEND`` (a dotted
path to a class with ``send(mobile, text)``). Development defaults to ``LoggingSmsBackend`` (writes
the message to the log); production defaults to ``DisabledSmsBackend``, which sends nothing and
logs neither the mobile nor the text — a production that wants SMS configures its provider.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("nuandong.notifications")


class DeliveryError(Exception):
    """A channel could not deliver now; the outbox row is retried later."""


class SmsBackend:
    def send(self, mobile: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Development provider: writes the message to the log instead of sending it."""

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


class DisabledSmsBackend(SmsBackend):
    """Production default without a provider: the in-app inbox and e-mail carry the message.

    Logs only that an SMS was skipped — never the mobile number or the text (personal data).
    """

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS skipped: no SMS provider configured (NUANDONG_SMS_BACKEND)")


def sms_backend() -> SmsBackend:
    return import_string(
        getattr(settings, "NUANDONG_SMS_BACKEND", "core.notifications.channels.LoggingSmsBackend")
    )()


def enabled_channels() -> list[str]:
    return list(getattr(settings, "NUANDONG_NOTIFY_CHANNELS", ["email", "sms"]))


def address_for(user, channel: str) -> str:
    if channel == "email":
        return user.email or ""
    if channel == "sms":
        return user.mobile or ""
    return ""


def deliver(channel: str, address: str, title: str, body: str) -> None:
    try:
        if channel == "email":
            send_mail(f"[暖冬] {title}", body or title, None, [address], fail_silently=False)
        elif channel == "sms":
            sms_backend().send(address, f"【暖冬】{title}")
        else:
            raise DeliveryError(f"unknown channel {channel}")
    except DeliveryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any provider failure is retried
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
