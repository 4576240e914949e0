"""API plumbing shared by every app: the error handler, the page size, the token sign-in and the `me` endpoint."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import AppError

ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.CharField(), required=False),
    },
)



class Pagination(PageNumberPagination):
    """The lists' pages: 50 rows, `page_size` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

def date_param(name: str, description: str = "", **kwargs) -> OpenApiParameter:
    """A query parameter that is a date (YYYY-MM-DD, 1900–2099): read it with `query_date`."""
    return OpenApiParameter(name, OpenApiTypes.DATE, description=description, **kwargs)


def query_date(params, name: str):
    """The date in query parameter `name` (None when absent or empty), validated like every date field (format and
    range); a bad one is an AppError naming the parameter."""
    raw = params.get(name)
    if not raw:
        return None
    try:
        return serializers.DateField().run_validation(raw)
    except ValidationError as exc:
        detail = exc.detail[0] if isinstance(exc.detail, list) and exc.detail else exc.detail
        raise AppError(getattr(detail, "code", None) or "invalid_date", str(detail), field=name) from None


def refused_input(errors: dict, *, code: str = "invalid", message=None) -> AppError:
    """A serializer's errors as the one AppError naming every field (`code` e.g. "unknown_action")."""
    return AppError(code, message or _("Invalid input."), fields=_flat_fields(errors))


def exception_handler(exc, context):
    """Every API error as one body: {code, detail (the message, in the request's language), fields (the field or
    parameter each message belongs to)}. AppError → its status; everything else as DRF answers it, reshaped. A 400
    always names something: the fields of a validation error, else the request's `body` (or `query` for a read)."""
    if isinstance(exc, AppError):
        response = Response(exc.as_dict(), status=exc.status)
    else:
        response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, AppError):
        pass
    elif isinstance(data, list):  # ValidationError raised with a list of messages
        response.data = {"code": _first_code(exc.detail) if isinstance(exc, ValidationError) else "invalid",
                         "detail": " ".join(str(m) for m in data), "fields": {}}
    elif isinstance(exc, ValidationError) and isinstance(data, dict):
        # field errors: wrapped even when a serializer has a field named "code" or "detail"
        response.data = {"code": "invalid", "detail": str(_("Invalid input.")), "fields": _flat_fields(data)}
    elif isinstance(data, dict) and "code" not in data:
        detail = data.get("detail")
        code = getattr(detail, "code", None) or ("invalid" if response.status_code == 400 else "error")
        if response.status_code == 400 and detail is None:
            response.data = {"code": "invalid", "detail": str(_("Invalid input.")), "fields": _flat_fields(data)}
        else:
            response.data = {"code": code, "detail": str(detail or ""), "fields": {}}
    if response.status_code == 400 and not response.data.get("fields"):
        request = context.get("request")
        where = "query" if request is not None and request.method in ("GET", "HEAD") else "body"
        response.data["fields"] = {where: response.data["detail"]}
    return response


def _first_code(detail) -> str:
    first = detail[0] if isinstance(detail, list) and detail else detail
    return getattr(first, "code", None) or "invalid"


def _flat_fields(data: dict, prefix: str = "") -> dict[str, str]:
    """{"a": ["m"], "b": {"c": ["n"]}, "d": [{}, {"e": ["o"]}]} → {"a": "m", "b.c": "n", "d.1.e": "o"}."""
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flat_fields(value, name))
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    out.update(_flat_fields(item, f"{name}.{index}"))
                elif isinstance(item, list):
                    out.update(_flat_fields({str(index): item}, name))
                elif item:
                    out[name] = str(item)
        else:
            out[name] = " ".join(str(m) for m in (value if isinstance(value, list) else [value]))
    return out


class TokenSignInView(APIView):
    """POST {username, password} → {token} for local accounts."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"})

    @extend_schema(
        request=InSerializer,
        responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()}), 400: ErrorSerializer},
        auth=[],
    )
    def post(self, request):
        data = self.InSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            raise AppError("invalid_credentials", _("Wrong user name or password."), field="password")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any /api/v1/ path that names no endpoint: a JSON 404 like every other API error, not Django's HTML page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request, *args, **kwargs):
        from .errors import NotFound

        raise NotFound("not_found", _("Not found."))

    post = put = patch = delete = get
