"""Downloads of stored files (profile attachments, documents): signed short-lived links and an authenticated view.

A signed link (`/files/signed/<token>`) is what the API hands out (`downloadUrl`): usable by the browser
without headers (an <img> or a download), valid `settings.DOWNLOAD_LINK_MAX_AGE_SECONDS`, and bound to
the province, the file (kind, id and content hash: a replaced file's old link dies) and the viewer it
was made for. On use, the viewer must still exist, be active and still have the right to see the file;
a link of one province presented to another is refused.

The authenticated view (`/files/<kind>/<id>`) takes the caller's bearer token (or session) instead.

Both answer with the stored content type, `Content-Disposition: attachment`, `nosniff`, `private,
no-store` and a CSP that forbids everything, and record staff downloads in the audit trail.
Failures are JSON with a code, like the API: 403 DOWNLOAD_LINK_INVALID, 401 UNAUTHENTICATED /
PROVINCE_MISMATCH, 404 NOT_FOUND (also when the caller may not see the file: its existence is not told).
"""

from __future__ import annotations

import logging
from typing import Any, Final, Literal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.tokens import user_for_token
from core.errors import ErrorCode, message_for
from core.services import audit_record
from core.storage import PrivateStorage, StorageNameError
from profiles.models import Attachment, Document
from profiles.selectors import attachment_for_viewer, document_for_viewer
from tenants.context import current_province

logger = logging.getLogger(__name__)

FileKind = Literal["attachment", "document"]
_SALT: Final = "profiles.download"
_HASH_CHARS: Final = 16


def download_token(*, kind: FileKind, stored: Attachment | Document, viewer_id: int) -> str:
    """A signed token for `viewer_id` to fetch `stored` in the current province."""
    payload = {
        "p": str(current_province().schema_name),
        "k": kind,
        "i": stored.pk,
        "h": stored.sha256[:_HASH_CHARS],
        "v": viewer_id,
    }
    return signing.dumps(payload, salt=_SALT)


def download_url(*, kind: FileKind, stored: Attachment | Document, viewer_id: int, request: Any = None) -> str:
    """The signed link, absolute when an HTTP request is at hand (its host names the province)."""
    path = reverse("file_signed", kwargs={"token": download_token(kind=kind, stored=stored, viewer_id=viewer_id)})
    build = getattr(request, "build_absolute_uri", None)
    return str(build(path)) if callable(build) else path


def _error(code: ErrorCode, status: int) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message_for(code), "extensions": {"code": code.value}}]},
        status=status,
        json_dumps_params={"ensure_ascii": False},
        headers={"Cache-Control": "private, no-store"},
    )


def _load(kind: str, object_id: int, viewer: Any) -> Attachment | Document | None:
    if kind == "attachment":
        return attachment_for_viewer(viewer=viewer, attachment_id=object_id)
    if kind == "document":
        return document_for_viewer(viewer=viewer, document_id=object_id)
    return None


def _owner_id(stored: Attachment | Document) -> int:
    return stored.profile.user_id if isinstance(stored, Attachment) else stored.owner_id


def _filename(stored: Attachment | Document) -> str:
    if isinstance(stored, Document):
        return stored.file_name
    extension = stored.storage_name.rsplit(".", 1)[-1]
    return f"{stored.kind}.{extension}"


def _serve(stored: Attachment | Document, viewer: Any) -> HttpResponse:
    storage = PrivateStorage.for_current_province()
    try:
        content = storage.read(stored.storage_name)
    except (OSError, StorageNameError):
        logger.error("stored file missing: %s/%s", storage.schema_name, stored.storage_name)
        return _error(ErrorCode.NOT_FOUND, 404)
    if viewer.pk != _owner_id(stored):
        with transaction.atomic():
            audit_record(actor=viewer, action="file_download", target=stored)
    response = HttpResponse(content, content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=_filename(stored))
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def file_signed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.DOWNLOAD_LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:  # tampered, or expired (SignatureExpired is a BadSignature)
        return _error(ErrorCode.DOWNLOAD_LINK_INVALID, 403)
    if not isinstance(payload, dict) or payload.get("p") != current_province().schema_name:
        return _error(ErrorCode.DOWNLOAD_LINK_INVALID, 403)
    try:
        viewer_id, object_id = int(payload["v"]), int(payload["i"])
    except (KeyError, TypeError, ValueError):
        return _error(ErrorCode.DOWNLOAD_LINK_INVALID, 403)
    viewer = User.objects.filter(pk=viewer_id, is_active=True).first()
    stored = _load(str(payload.get("k")), object_id, viewer) if viewer is not None else None
    if stored is None or stored.sha256[:_HASH_CHARS] != payload.get("h"):
        return _error(ErrorCode.DOWNLOAD_LINK_INVALID, 403)
    return _serve(stored, viewer)


# The GraphQL type whose global IDs name each kind of file (schema/profiles/types.py).
_ID_TYPES = {"attachment": "ProfileAttachment", "document": "Document"}


def _object_pk(kind: str, object_id: str) -> int | None:
    """The primary key named in the path: the file's GraphQL global ID (base64 "<Type>:<province>:<pk>",
    of this province and of the right type), or a bare primary key."""
    import base64
    import binascii

    if object_id.isdigit():
        return int(object_id) if len(object_id) <= 18 else None
    try:
        text = base64.b64decode(object_id, validate=True).decode()
    except (binascii.Error, ValueError):
        return None
    type_name, _, rest = text.partition(":")
    province, _, pk = rest.partition(":")
    slug = str(getattr(current_province(), "slug", ""))
    if type_name != _ID_TYPES.get(kind) or province != slug or not pk.isdigit() or len(pk) > 18:
        return None
    return int(pk)


@require_GET
def file_authenticated(request: HttpRequest, kind: str, object_id: str) -> HttpResponse:
    viewer: Any = None
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        lookup = user_for_token(raw_token=auth[7:].strip())
        if lookup.wrong_province:
            return _error(ErrorCode.PROVINCE_MISMATCH, 401)
        viewer = lookup.user
    elif isinstance(getattr(request, "user", None), User) and request.user.is_authenticated:
        viewer = request.user
    if viewer is None:
        return _error(ErrorCode.UNAUTHENTICATED, 401)
    pk = _object_pk(kind, object_id)
    stored = _load(kind, pk, viewer) if pk is not None else None
    if stored is None:
        return _error(ErrorCode.NOT_FOUND, 404)
    return _serve(stored, viewer)
