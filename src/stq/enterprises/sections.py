"""Sections of the enterprise page — an extension point so later apps never edit this app's templates.

An app adds a section to the enterprise page from its `AppConfig.ready()` (or a module imported there)::

    from stq.enterprises.sections import register_section

    def collections_context(request, enterprise):
        return {"collections": InfoCollection.objects.filter(enterprise=enterprise)[:20]}

    register_section(
        "collections",                       # key; re-registering a key replaces the section
        _("Information collections"),         # title (lazy translation)
        "collection/enterprise_section.html", # template rendered with the page context + what context_fn returns
        collections_context,                  # context_fn(request, enterprise) -> dict
        order=40,                             # position on the page (smaller first)
    )

The page shows every registered section, in `order`. The subsystems not built yet — activity from declarations,
information collections, audits, conclusions, penalties — are pre-registered as *placeholders*: they render an
empty state saying the data will appear once that subsystem records it, never a dead link. Registering a real
section with the same key replaces the placeholder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    template_name: str | None
    context_fn: Callable[..., dict] | None
    order: int = 100
    empty_text: Any = ""

    @property
    def is_placeholder(self) -> bool:
        return self.template_name is None

    def render(self, request, enterprise, base_context: dict | None = None) -> str:
        context = dict(base_context or {})
        context.update({"enterprise": enterprise, "section": self})
        if self.is_placeholder:
            return render_to_string("enterprises/section_placeholder.html", context, request=request)
        if self.context_fn is not None:
            context.update(self.context_fn(request, enterprise) or {})
        return render_to_string(self.template_name, context, request=request)


SECTIONS: dict[str, Section] = {}


def register_section(
    key: str,
    title,
    template_name: str,
    context_fn: Callable[..., dict] | None = None,
    order: int = 100,
) -> Section:
    """Add (or replace) a section of the enterprise page."""
    section = Section(key, title, template_name, context_fn, order)
    SECTIONS[key] = section
    return section


def register_placeholder(key: str, title, empty_text, order: int) -> None:
    """A section of a subsystem not built yet: an empty state. Does not replace a real section."""
    if key in SECTIONS and not SECTIONS[key].is_placeholder:
        return
    SECTIONS[key] = Section(key, title, None, None, order, empty_text)


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))


def render_sections(request, enterprise) -> list[dict]:
    from .selectors import family_codes_memo

    with family_codes_memo():
        return [{"section": s, "html": s.render(request, enterprise)} for s in sections()]


register_placeholder(
    "activity", _("Import/export activity"), _("No declaration data for this enterprise yet."), order=20
)
register_placeholder(
    "collections", _("Information collections"), _("No information collection about this enterprise yet."), order=40
)
register_placeholder("audits", _("Post-clearance audits"), _("No audit of this enterprise yet."), order=50)
register_placeholder("conclusions", _("Audit conclusions"), _("No audit conclusion for this enterprise yet."), order=60)
register_placeholder("penalties", _("Penalties"), _("No penalty recorded for this enterprise yet."), order=70)
