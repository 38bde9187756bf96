"""profile_attachment_upload / mutation profileAttachmentUpload: real files, through the real server (gql multipart).

Every refused file leaves nothing behind: no row and no file on disk. Kept images are re-encoded (no EXIF/GPS).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from PIL import ExifTags, Image

from accounts.models import Role, User
from core.errors import DomainError
from profiles.models import Attachment
from profiles.selectors import profile_missing_items
from profiles.services import profile_attachment_upload
from tenants.context import province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.graphql import upload_graphql
from tests.support.live_server import LiveServer
from tests.support.profiles import stored_files

UPLOAD = """
mutation ($kind: AttachmentKind!, $file: Upload!) {
  profileAttachmentUpload(kind: $kind, file: $file) {
    attachment { id kind contentType size downloadUrl }
    errors { code field }
  }
}
"""
HOST = "yunnan.localhost"


def upload(server: LiveServer, token: str, filename: str, content: bytes, kind: str = "AVATAR") -> dict[str, Any]:
    content_type = "image/png" if filename.endswith(".png") else "image/jpeg"
    body = upload_graphql(
        server.http_url(),
        UPLOAD,
        host=HOST,
        variables={"kind": kind},
        files={"file": (filename, content, content_type)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["errors"] is None, body
    payload: dict[str, Any] = body["data"]["profileAttachmentUpload"]
    return payload


def attachments_in(tenant: Any) -> list[Attachment]:
    with province_scope(tenant):
        return list(Attachment.objects.select_related("profile").order_by("pk"))


# ----------------------------------------------------------------------------------- through the server

REFUSED: list[tuple[str, Callable[[], bytes], str]] = [
    ("png_renamed.jpg", files.png, "FILE_EXTENSION_MISMATCH"),
    ("text_renamed.png", lambda: "姓名：张三\n身份证号：……\n".encode() * 20, "FILE_TYPE_NOT_ALLOWED"),
    ("six_hundred_kb.png", lambda: files.noise_png(600 * 1024), "FILE_TOO_LARGE"),
    ("bomb.png", files.bomb_png, "IMAGE_TOO_MANY_PIXELS"),
    ("truncated.jpg", files.truncated_jpeg, "IMAGE_UNREADABLE"),
    ("polyglot.png", files.polyglot_png_zip, "FILE_TYPE_NOT_ALLOWED"),
    ("empty.jpg", lambda: b"", "FILE_EMPTY"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("filename", "make", "code"), REFUSED, ids=[case[0] for case in REFUSED])
def test_given_a_bad_file_when_uploaded_then_its_code_and_nothing_stored(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path, filename: str, make: Callable[[], bytes], code: str
) -> None:
    # Given
    _, token = make_account(yunnan, username="candidate_up", roles=[Role.CANDIDATE])
    content = make()
    if code == "IMAGE_TOO_MANY_PIXELS":
        assert len(content) < 100 * 1024  # a tiny file claiming 20000 × 20000 pixels
    # When
    payload = upload(asgi_server, token, filename, content)
    # Then
    assert payload["attachment"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, "file")]
    assert attachments_in(yunnan) == []
    assert stored_files(storage_root) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("filename", "make", "kind", "content_type", "image_format"),
    [
        ("avatar.jpg", files.jpeg, "AVATAR", "image/jpeg", "JPEG"),
        ("身份证人像面.PNG", files.png, "ID_FRONT", "image/png", "PNG"),
        ("back.jpeg", files.jpeg, "ID_BACK", "image/jpeg", "JPEG"),
    ],
)
def test_given_a_valid_image_when_uploaded_then_stored_privately_per_province(
    asgi_server: LiveServer,
    yunnan: Any,
    storage_root: Path,
    filename: str,
    make: Callable[[], bytes],
    kind: str,
    content_type: str,
    image_format: str,
) -> None:
    # Given
    user, token = make_account(yunnan, username="candidate_ok", roles=[Role.CANDIDATE])
    # When
    payload = upload(asgi_server, token, filename, make(), kind=kind)
    # Then: a row and exactly one file, under the province's own folder, with a random name
    assert payload["errors"] == []
    assert payload["attachment"]["kind"] == kind and payload["attachment"]["contentType"] == content_type
    [attachment] = attachments_in(yunnan)
    assert attachment.profile.user_id == user.pk
    assert stored_files(storage_root) == [storage_root / "yunnan" / attachment.storage_name]
    stored = (storage_root / "yunnan" / attachment.storage_name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == attachment.sha256 and len(stored) == attachment.size
    assert Path(filename).stem not in attachment.storage_name
    image = Image.open(io.BytesIO(stored))
    image.load()
    assert image.format == image_format and image.size == (320, 200)
    assert (storage_root / "yunnan").stat().st_mode & 0o077 == 0  # private folder
    assert (storage_root / "yunnan" / attachment.storage_name).stat().st_mode & 0o077 == 0


@pytest.mark.django_db(transaction=True)
def test_given_a_photo_with_gps_exif_when_uploaded_then_the_stored_file_has_none(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given: a JPEG with a GPS position, a device make and a comment
    _, token = make_account(yunnan, username="candidate_gps", roles=[Role.CANDIDATE])
    original = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    # When
    payload = upload(asgi_server, token, "phone.jpg", original, kind="ID_FRONT")
    # Then: read the stored file back: no EXIF at all, no comment
    assert payload["errors"] == []
    [attachment] = attachments_in(yunnan)
    stored = (storage_root / "yunnan" / attachment.storage_name).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in stored and b"13800138000" not in stored and b"PhoneMaker" not in stored


@pytest.mark.django_db(transaction=True)
def test_given_the_three_attachments_when_uploaded_then_they_are_no_longer_missing(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    user, token = make_account(yunnan, username="candidate_all", roles=[Role.CANDIDATE])
    for kind in ("AVATAR", "ID_FRONT", "ID_BACK"):
        assert upload(asgi_server, token, "x.jpg", files.jpeg(), kind=kind)["errors"] == []
    with province_scope(yunnan):
        missing = profile_missing_items(user=user)
    assert not [item for item in missing if item.startswith("attachment:")]


@pytest.mark.django_db(transaction=True)
def test_given_concurrent_replacements_when_they_settle_then_one_row_and_only_its_file_remain(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given
    _, token = make_account(yunnan, username="candidate_race", roles=[Role.CANDIDATE])
    pictures = [files.jpeg((300 + index, 200)) for index in range(6)]
    # When: six uploads of the same kind race on the server's workers
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda content: upload(asgi_server, token, "a.jpg", content), pictures))
    # Then: all succeeded, one row survives, and the disk holds exactly its file (the others were deleted)
    assert all(result["errors"] == [] for result in results)
    [attachment] = attachments_in(yunnan)
    assert stored_files(storage_root) == [storage_root / "yunnan" / attachment.storage_name]


@pytest.mark.django_db(transaction=True)
def test_given_a_token_of_another_province_when_uploading_then_refused_and_nothing_stored(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    _, tianjin_token = make_account(tianjin, username="candidate_tj", roles=[Role.CANDIDATE])
    body = upload_graphql(
        asgi_server.http_url(),
        UPLOAD,
        host=HOST,
        variables={"kind": "AVATAR"},
        files={"file": ("a.jpg", files.jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {tianjin_token}"},
    )
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"
    assert attachments_in(yunnan) == [] and attachments_in(tianjin) == []
    assert stored_files(storage_root) == []


# ------------------------------------------------------------------------------------- service level


@pytest.fixture
def candidate(yunnan: Any) -> Any:
    with province_scope(yunnan):
        user, _ = make_account(yunnan, username="candidate_svc", roles=[Role.CANDIDATE])
        yield user


@pytest.mark.django_db
def test_given_a_replacement_when_committed_then_the_old_file_goes_only_after_the_row_points_elsewhere(
    candidate: User, storage_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # Given
    first = profile_attachment_upload(
        user=candidate, actor=candidate, kind="avatar", upload=SimpleUploadedFile("a.jpg", files.jpeg())
    )
    old_path = storage_root / "yunnan" / first.storage_name
    # When: a new avatar replaces it; the deletion waits for the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = profile_attachment_upload(
            user=candidate, actor=candidate, kind="avatar", upload=SimpleUploadedFile("b.png", files.png())
        )
        # Then: both files exist while the transaction is open, the row already names the new one
        assert old_path.exists()
        assert Attachment.objects.get(pk=first.pk).storage_name == second.storage_name
    for callback in callbacks:
        callback()
    assert not old_path.exists()
    assert stored_files(storage_root) == [storage_root / "yunnan" / second.storage_name]
    assert (second.pk, second.content_type) == (first.pk, "image/png")


@pytest.mark.django_db
def test_given_the_database_refuses_the_row_when_uploading_then_the_new_file_is_removed(
    candidate: User, storage_root: Path
) -> None:
    # Given: a real database failure on insert (a trigger), after the file was written
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full (simulated by a trigger)'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_attachment BEFORE INSERT ON profiles_attachment "
            "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()"
        )
    # When
    with pytest.raises(DatabaseError):
        profile_attachment_upload(
            user=candidate, actor=candidate, kind="id_back", upload=SimpleUploadedFile("a.jpg", files.jpeg())
        )
    # Then: no row, no file
    assert not Attachment.objects.exists()
    assert stored_files(storage_root) == []


@pytest.mark.django_db
def test_given_a_locked_photo_when_a_new_avatar_is_uploaded_then_refused(candidate: User, storage_root: Path) -> None:
    from profiles.services import profile_lock_fields

    profile_lock_fields(user=candidate, fields=["avatar"], reason="certificate:YN-0001")
    with pytest.raises(DomainError) as caught:
        profile_attachment_upload(
            user=candidate, actor=candidate, kind="avatar", upload=SimpleUploadedFile("a.jpg", files.jpeg())
        )
    assert caught.value.code.value == "PROFILE_FIELD_ON_CERTIFICATE"
    assert stored_files(storage_root) == []


@pytest.mark.django_db
def test_given_another_candidate_when_uploading_for_someone_else_then_permission_denied(
    yunnan: Any, candidate: User, storage_root: Path
) -> None:
    other, _ = make_account(yunnan, username="candidate_other", roles=[Role.CANDIDATE])
    with pytest.raises(DomainError) as caught:
        profile_attachment_upload(
            user=candidate, actor=other, kind="avatar", upload=SimpleUploadedFile("a.jpg", files.jpeg())
        )
    assert caught.value.code.value == "PERMISSION_DENIED"
    assert stored_files(storage_root) == []
