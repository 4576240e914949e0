"""The site's own error pages (400, 403, 404, 500): in the layout, translated, with the way back. Django calls the
handlers when DEBUG is off; `ErrorPageMiddleware` serves the same pages when it is on (the demo), in place of
Django's debug pages for 400/403/404 — a developer still gets the traceback of a 500 in the log and, with DEBUG on,
on screen. API paths keep their JSON bodies."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

PAGES = {
    400: (_("The request could not be understood"),
          _("Something in the address or the form was not in the expected form. Go back and try again.")),
    403: (_("You may not open this page"),
          _("Your role and unit do not give access to this page or this action. If you need it, ask your unit "
            "administrator for the right role.")),
    404: (_("Page not found"),
          _("The page does not exist, or it belongs to records you may not see. Check the address, or start again "
            "from your work list.")),
}


def _back_url(request) -> str:
    """The page the user came from, when it is on this site and is not this page."""
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer)
    if not referer or (parts.netloc and parts.netloc != request.get_host()):
        return ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "" if path == request.get_full_path() else path


def error_page(request, status: int):
    title, explanation = PAGES[status]
    response = render(request, "errors/error.html", {
        "status": status, "title": title, "explanation": explanation, "back_url": _back_url(request)}, status=status)
    response.stq_error_page = True
    return response


def bad_request(request, exception=None):
    return error_page(request, 400)


def permission_denied(request, exception=None):
    return error_page(request, 403)


def page_not_found(request, exception=None):
    return error_page(request, 404)


def server_error(request):
    return HttpResponseServerError(render_to_string("errors/500.html", request=None))


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(static("stq/favicon.svg"), permanent=True)


def csrf_failure(request, reason=""):
    return error_page(request, 403)


class ErrorPageMiddleware:
    """With DEBUG on, Django answers 400/403/404 with its own debug pages (handlers are not called): serve the site's
    page instead, for HTML pages (not the API, not a response that already is one of ours or has its own body)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code in PAGES and not getattr(response, "stq_error_page", False)
                and not request.path.startswith("/api/")
                and response.get("Content-Type", "").startswith("text/html")
                and not getattr(request, "htmx", False)
                and _is_django_default(response)):
            return error_page(request, response.status_code)
        return response


def _is_django_default(response) -> bool:
    """Django's debug page or its bare default body ("<h1>Not Found</h1>", "403 Forbidden")."""
    if getattr(response, "streaming", False):
        return False
    body = response.content[:4000]
    return (b"technical_404" in body or b"Django" in body or b"<h1>Not Found</h1>" in body
            or b"<h1>403 Forbidden</h1>" in body or b"<h1>Bad Request (400)</h1>" in body or not body.strip())
