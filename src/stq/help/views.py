"""The user guide's pages (readable without signing in: the sign-in page links here too)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.module_loading import import_string

from .pages import BY_SLUG, EXTRA_CONTEXT, PAGES, content_template


def index(request):
    return render(request, "help/index.html", {"pages": PAGES})


def page(request, slug: str):
    current = BY_SLUG.get(slug)
    if current is None:
        raise Http404
    context = {"page": current}
    if slug in EXTRA_CONTEXT:
        context.update(import_string(EXTRA_CONTEXT[slug])(request))
    body = content_template(slug).render(context, request)
    i = PAGES.index(current)
    return render(request, "help/page.html", {
        "page": current, "pages": PAGES, "body": body,
        "previous": PAGES[i - 1] if i > 0 else None, "next": PAGES[i + 1] if i + 1 < len(PAGES) else None,
    })
