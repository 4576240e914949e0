"""The user guide: one page per subsystem, and which page helps with which screen.

Page content is a template per language, `help/pages/<lang>/<slug>.html` (Vietnamese first, English second);
a language without its own page falls back to Vietnamese. `help_slug_for()` maps a screen (its URL namespace, or
its URL name for screens outside an app namespace) to its help page; every screen of the app has one (a test
walks the URL configuration to prove it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DEFAULT_LANGUAGE = "vi"


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: object
    summary: object


PAGES = [
    HelpPage("start", _("Getting started"), _("Signing in, the layout, “my work”, notifications, deadlines.")),
    HelpPage("administration", _("Administration and organisation"),
             _("Units, roles and grants, the unit administrator, the working-day calendar.")),
    HelpPage("enterprises", _("Enterprise directory"),
             _("Search, the enterprise page, form 01/KTSTQ, the focus list, imports.")),
    HelpPage("collection", _("Information collection"),
             _("Proposal, same-day approval, results per risk area, report approved within 1 working day.")),
    HelpPage("audits", _("Post-clearance audits"),
             _("Proposals, decisions, conclusions, handling; every step and its deadline.")),
    HelpPage("declarations", _("Declarations"), _("Declaration data, imports, activity profile, dormant enterprises.")),
    HelpPage("risk", _("Risk management"), _("Risk classification, criteria, the learned model, targets, alerts.")),
    HelpPage("reports", _("Reports and statistics"),
             _("How the report forms are built, aggregation up the unit tree, reconciliation.")),
    HelpPage("feedback", _("Change requests"),
             _("Proposing a change to a function; how the central PCA unit handles it.")),
    HelpPage("legacy", _("Records of the previous system"),
             _("The STQ01 import: file layout, dry run, what imported records do.")),
]
BY_SLUG = {p.slug: p for p in PAGES}
# pages whose content shows data of an app (dotted path of fn(request) -> dict)
EXTRA_CONTEXT = {"legacy": "stq.legacy.layout.help_context"}

# URL namespace -> help page
NAMESPACES = {
    "org": "administration",
    "admin": "administration",
    "enterprises": "enterprises",
    "collection": "collection",
    "audits": "audits",
    "declarations": "declarations",
    "risk": "risk",
    "exchange": "declarations",
    "reports": "reports",
    "feedback": "feedback",
    "legacy": "legacy",
    "help": "start",
    "api": "start",
}
# URL name (screens outside an app namespace) -> help page
URL_NAMES = {
    "calendar_days": "administration",
    "calendar_day_delete": "administration",
}


def help_slug_for(namespace: str = "", url_name: str = "") -> str:
    """The help page of a screen; the getting-started page for screens of no subsystem (home, notifications)."""
    first = (namespace or "").split(":")[0]
    if first in NAMESPACES:
        return NAMESPACES[first]
    return URL_NAMES.get(url_name or "", "start")


def language() -> str:
    return (get_language() or DEFAULT_LANGUAGE)[:2]


def content_template(slug: str, lang: str | None = None):
    """The page's template in the language asked for, else in Vietnamese."""
    lang = lang or language()
    for code in dict.fromkeys((lang, DEFAULT_LANGUAGE)):
        try:
            return get_template(f"help/pages/{code}/{slug}.html")
        except TemplateDoesNotExist:
            continue
    raise TemplateDoesNotExist(slug)
