"""``{% panels shown %}``: render the panels collected by ``core.ui.panels.collect`` in order."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, shown) -> str:
    request = context.get("request")
    parts = []
    for item in shown or ():
        variables = context.flatten() | item.context
        parts.append(render_to_string(item.panel.template, variables, request=request))
    return mark_safe("".join(parts))  # each part is an auto-escaped template of its own
