"""``{% csrf_token %}`` that also writes the one-time form token (``core/ui/once.py``).

Installed as a template builtin (settings ``TEMPLATES["OPTIONS"]["builtins"]``), so every POST
form of every page carries a token without the page doing anything.
"""

from __future__ import annotations

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from core.ui.once import FIELD, new_form_token

register = template.Library()


class CsrfAndOnceTokenNode(CsrfTokenNode):
    def render(self, context):
        html = super().render(context)
        request = context.get("request")
        user = getattr(request, "user", None)
        if html and user is not None and user.is_authenticated:
            html += format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_form_token())
        return html


@register.tag
def csrf_token(parser, token):
    return CsrfAndOnceTokenNode()
