"""`{% help_link %}`: the link from any screen to its help page; `{% help_figure "name" "caption" %}`: a screenshot
taken by the browser tests (src/stq/help/static/help/img/<name>-<lang>.png), shown only when the file exists."""

from __future__ import annotations

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..pages import DEFAULT_LANGUAGE, help_slug_for, language

register = template.Library()


@register.simple_tag(takes_context=True)
def help_url(context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    slug = help_slug_for(match.namespace, match.url_name) if match else "start"
    return reverse("help:page", args=[slug])


@register.simple_tag(takes_context=True)
def help_link(context) -> str:
    return format_html('<a class="btn btn-sm btn-outline-light" href="{}" data-testid="help-link" '
                       'title="{}">? {}</a>', help_url(context), _("Help for this page"), _("Help"))


@register.simple_tag
def help_figure(name: str, caption: str = "") -> str:
    for code in dict.fromkeys((language(), DEFAULT_LANGUAGE)):
        path = f"help/img/{name}-{code}.png"
        if finders.find(path):
            return format_html('<figure class="figure d-block my-3"><img src="{}" class="figure-img img-fluid border '
                               'rounded" alt="{}" loading="lazy"><figcaption class="figure-caption">{}</figcaption>'
                               '</figure>', static(path), caption, caption)
    return ""


@register.filter
def file_values(text: str):
    """A file-format description with its literal values between backticks (`desk`): those values as code."""
    import re

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(str(text))))
