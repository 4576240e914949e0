"""The user guide: every page renders in Vietnamese and English, and every screen links to an existing page."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from stq.help.pages import BY_SLUG, PAGES, content_template, help_slug_for

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("api/", "django-admin/", "i18n/", "static/", "media/")


def screens(resolver=None, prefix="", namespace=""):
    """(route, namespace, url name) of every named HTML screen of the project."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            ns = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from screens(entry, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, namespace, entry.name


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_help_page_renders_in_both_languages(client, org, lang):
    client.force_login(org.officer1)
    client.cookies["django_language"] = lang
    index = client.get(reverse("help:index"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    for page in PAGES:
        url = reverse("help:page", args=[page.slug])
        assert url in index
        r = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 200, page.slug
        body = r.content.decode()
        article = body.split('data-testid="help-body">', 1)[1].split("</article>", 1)[0]
        assert len(re.sub(r"<[^>]+>", "", article).strip()) > 400, page.slug  # real content, not a stub
        text = article.lower()
        if lang == "vi":  # Vietnamese, with its diacritics
            assert len(re.findall(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳỷỹỵ]", text)) > 50, page.slug
            assert " của " in text or " và " in text, page.slug
        else:
            assert " the " in text and " của " not in text, page.slug
        assert content_template(page.slug, lang).origin.name.endswith(f"help/pages/{lang}/{page.slug}.html")


def test_the_legacy_page_documents_every_column_of_the_layout(client, org):
    from stq.legacy.layout import COLUMNS

    client.force_login(org.officer1)
    body = client.get(reverse("help:page", args=["legacy"])).content.decode()
    for column in COLUMNS:
        assert f"<code>{column.name}</code>" in body


def test_every_screen_maps_to_an_existing_help_page():
    found = list(screens())
    assert len(found) > 20
    for route, namespace, name in found:
        slug = help_slug_for(namespace, name)
        assert slug in BY_SLUG, (route, namespace, name)
        for lang in ("vi", "en"):
            content_template(slug, lang)  # raises when the page is missing in that language
    namespaces = {ns.split(":")[0] for _r, ns, _n in found if ns}
    assert {"enterprises", "collection", "feedback", "legacy", "help"} <= namespaces
    assert help_slug_for("collection", "detail") == "collection"
    assert help_slug_for("", "calendar_days") == "administration"
    assert help_slug_for("", "home") == "start"


@pytest.mark.parametrize("url_name, args, slug", [
    ("home", [], "start"),
    ("enterprises:list", [], "enterprises"),
    ("collection:list", [], "collection"),
    ("feedback:list", [], "feedback"),
    ("org:admin_home", [], "administration"),
    ("calendar_days", [], "administration"),
    ("help:index", [], "start"),
])
def test_pages_carry_a_working_help_link(client, org, url_name, args, slug):
    client.force_login(org.admin_chq if url_name == "calendar_days" else org.officer1)
    body = client.get(reverse(url_name, args=args)).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="help-link"', body)
    assert link and link.group(1) == reverse("help:page", args=[slug])
    assert client.get(link.group(1)).status_code == 200


def test_the_sign_in_page_links_to_help_and_help_is_readable_signed_out(client):
    body = client.get(reverse("login")).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="help-link"', body)
    assert link and client.get(link.group(1)).status_code == 200
