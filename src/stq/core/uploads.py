"""Uploaded files: checked by type (name AND content) and size; stored under generated names only.

Use in a form or serializer field: `forms.FileField(validators=[uploads.TABLES])`, or call
`uploads.check(file, uploads.DOCUMENTS)` in a service. Store with `upload_to=uploads.GeneratedName("folder")`:
the client's file name is never part of a path on disk (keep it in a separate `original_name` column if needed).
"""

from __future__ import annotations

import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

SNIFF_BYTES = 64 * 1024
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"MZ", b"\x7fELF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")


def _head(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def _is_text(file) -> bool:
    head = _head(file)
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the sniff boundary is fine
        return error.start >= len(head) - 3
    return True


def _zip_has(file, prefix: str) -> bool:
    if not _head(file).startswith(b"PK\x03\x04"):
        return False
    position = file.tell()
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(position)
    return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)


# extension → content check
_KINDS = {
    ".csv": _is_text,
    ".txt": _is_text,
    ".xlsx": lambda f: _zip_has(f, "xl/"),
    ".docx": lambda f: _zip_has(f, "word/"),
    ".pdf": lambda f: _head(f).startswith(b"%PDF-"),
    ".png": lambda f: _head(f).startswith(b"\x89PNG\r\n\x1a\n"),
    ".jpg": lambda f: _head(f).startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda f: _head(f).startswith(b"\xff\xd8\xff"),
}


@deconstructible
class UploadRule:
    """A form/serializer field validator: the allowed extensions and the setting that holds the largest size."""

    def __init__(self, extensions: tuple[str, ...], limit_setting: str = "STQ_UPLOAD_MAX_BYTES"):
        self.extensions = tuple(extensions)
        self.limit_setting = limit_setting

    def __call__(self, file) -> None:
        check(file, self)

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadRule) and (other.extensions, other.limit_setting) == (
            self.extensions, self.limit_setting)

    def __hash__(self) -> int:
        return hash((self.extensions, self.limit_setting))


CSV = UploadRule((".csv", ".txt"))
IMPORTS = UploadRule((".csv", ".txt"), "STQ_IMPORT_MAX_BYTES")  # bulk data files (declarations) may be large
TABLES = UploadRule((".csv", ".xlsx"))
DOCUMENTS = UploadRule((".pdf", ".docx", ".xlsx", ".png", ".jpg", ".jpeg"))


def extension(name: str) -> str:
    name = (name or "").lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def check(file, rule: UploadRule) -> None:
    """Raise ValidationError unless `file` is within the size limit and is what its extension says."""
    limit = getattr(settings, rule.limit_setting)
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MiB); the limit is %(limit)s MiB."),
            code="file_too_large",
            params={"size": round(file.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    if file.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    ext = extension(getattr(file, "name", ""))
    if ext not in rule.extensions:
        raise ValidationError(
            _("This type of file is not accepted; use %(allowed)s."),
            code="file_type",
            params={"allowed": ", ".join(rule.extensions)},
        )
    if not _KINDS[ext](file):
        raise ValidationError(_("The file's content does not match its type (%(ext)s)."), code="file_content",
                              params={"ext": ext})


def require(file, rule: UploadRule, *, field: str = "file") -> None:
    """`check` for services and API views: the failure is an AppError (→ form error or HTTP 400)."""
    from stq.core.errors import AppError

    try:
        check(file, rule)
    except ValidationError as error:
        raise AppError(error.code or "invalid_file", error.messages[0], field=field) from None


@deconstructible
class GeneratedName:
    """`upload_to` that stores files as <folder>/<random hex><extension>: no client-controlled names on disk."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        ext = extension(filename)
        return f"{self.folder}/{uuid.uuid4().hex}{ext if ext in _KINDS else ''}"

    def __eq__(self, other) -> bool:
        return isinstance(other, GeneratedName) and other.folder == self.folder
