"""API plumbing shared by every app: the error handler, the token sign-in and the `me` endpoint."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
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


def exception_handler(exc, context):
    """AppError → its status with {code, detail, fields}; everything else as DRF does it, plus a `code`."""
    if isinstance(exc, AppError):
        return Response(exc.as_dict(), status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):  # ValidationError raised with a list of messages
        response.data = {"code": "invalid" if response.status_code == 400 else "error",
                         "detail": " ".join(str(m) for m in response.data), "fields": {}}
    if response is not None and isinstance(exc, ValidationError) and isinstance(response.data, dict):
        # field errors: wrapped even when a serializer has a field named "code" or "detail"
        response.data = {"code": "invalid", "detail": str(_("Invalid input.")), "fields": {
            k: " ".join(str(m) for m in (v if isinstance(v, list) else [v])) for k, v in response.data.items()
        }}
    elif response is not None and isinstance(response.data, dict) and "code" not in response.data:
        detail = response.data.get("detail")
        code = getattr(detail, "code", None) or ("invalid" if response.status_code == 400 else "error")
        if response.status_code == 400 and detail is None:
            response.data = {"code": "invalid", "detail": str(_("Invalid input.")), "fields": {
                k: " ".join(str(m) for m in (v if isinstance(v, list) else [v])) for k, v in response.data.items()
            }}
        else:
            response.data = {"code": code, "detail": str(detail or ""), "fields": {}}
    return response


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
