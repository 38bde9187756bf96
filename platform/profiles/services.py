"""Writes of candidate profiles: basic and extended info, ID photos, documents, certificate locks.

Files (attachments and documents) are validated by content before anything is stored (core.uploads), then
written to the province's private storage (core.storage). Replacing an attachment is crash safe:

1. the new file is written under a new random name (fsynced, renamed into place);
2. the row is pointed at it in a transaction (the old name is read under a row lock);
3. only after that transaction commits is the old file deleted.

A crash after 1 leaves a file no row refers to; after 2, the old file. Neither is ever served (downloads
go through rows), and `manage.py storage_sweep` removes such orphans. If step 2 fails, the new file is
deleted at once. Nothing is stored when validation fails: no row, no file.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, Final, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import require_role
from accounts.validators import validate_mainland_mobile, validate_real_name
from core.errors import DomainError, DomainErrors, ErrorCode
from core.identity import parse_mainland_id
from core.services import audit_record
from core.storage import PrivateStorage
from core.uploads import DEFAULT_MAX_BYTES, validate_document, validate_image
from profiles.ethnicities import normalise_ethnicity
from profiles.models import Attachment, CandidateProfile, Document, Education, Gender, IdType, ProfileFieldLock
from profiles.selectors import PROFILE_VIEWER_ROLES, api_name, certificate_locked_fields
from subscriptions.publish import publish_after_commit

logger = logging.getLogger(__name__)

ATTACHMENT_AREA: Final = "profiles"
DOCUMENT_AREA: Final = "documents"

BASIC_FIELDS: Final = ("real_name", "id_type", "id_number", "gender", "birth_date", "phone")
EXTENDED_FIELDS: Final = (
    "employer",
    "years_in_city_transport",
    "ethnicity",
    "education",
    "home_address",
    "professional_title",
    "postcode",
)
EDITABLE_FIELDS: Final = frozenset(BASIC_FIELDS + EXTENDED_FIELDS)
# What a certificate prints: these can be locked by certificate issuance ("avatar" is the photo).
LOCKABLE_FIELDS: Final = frozenset({"real_name", "id_type", "id_number", "gender", "birth_date", "employer", "avatar"})
# A change of these means the identity must be verified again.
_IDENTITY_FIELDS: Final = frozenset({"real_name", "id_type", "id_number"})

MAX_YEARS_IN_TRANSPORT: Final = 60
_TEXT_LIMITS: Final = {"employer": 200, "home_address": 300, "professional_title": 100}
_POSTCODE: Final = re.compile(r"[0-9]{6}")
# Passports and travel permits: letters and digits only (HK/Macau "H/M" + 8–10 digits, Taiwan 8–10 digits).
_OTHER_ID: Final = re.compile(r"[A-Z0-9]{5,20}")
_EARLIEST_BIRTH: Final = date(1900, 1, 1)


class UploadLike(Protocol):
    """What a Strawberry/Django `Upload` offers (django.core.files.uploadedfile.UploadedFile)."""

    name: str | None

    def read(self, size: int = ..., /) -> bytes: ...


# ------------------------------------------------------------------------------------------ profile


def _own_profile_for_update(user: User) -> CandidateProfile:
    """The user's profile, created if missing, locked for the rest of the transaction."""
    profile, _ = CandidateProfile.objects.get_or_create(user=user)
    return CandidateProfile.objects.select_for_update().get(pk=profile.pk)


def _require_self(*, actor: Any, user: User) -> None:
    require_role(actor, Role.CANDIDATE)
    if actor.pk != user.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def _text(value: object, *, field: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, field=api_name(field))
    return text


def _normalise(field: str, value: object, *, today: date) -> object:
    """One field's cleaned value, or a DomainError for it (cross-field rules come later)."""
    if field == "real_name":
        return validate_real_name(str(value or ""))
    if field == "phone":
        return validate_mainland_mobile(str(value or ""))
    if field == "id_type":
        if value not in IdType.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="idType")
        return str(value)
    if field == "id_number":
        return str(value or "").strip().upper()  # checked with the effective ID type below
    if field == "gender":
        if value not in Gender.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="gender")
        return str(value)
    if field == "birth_date":
        if not isinstance(value, date) or not _EARLIEST_BIRTH <= value <= today:
            raise DomainError(ErrorCode.INVALID_INPUT, field="birthDate")
        return value
    if field == "years_in_city_transport":
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_YEARS_IN_TRANSPORT:
            raise DomainError(ErrorCode.INVALID_INPUT, field="yearsInCityTransport")
        return value
    if field == "ethnicity":
        if value in (None, ""):
            return ""
        name = normalise_ethnicity(str(value))
        if name is None:
            raise DomainError(ErrorCode.ETHNICITY_INVALID, field="ethnicity")
        return name
    if field == "education":
        if value in (None, ""):
            return ""
        if value not in Education.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="education")
        return str(value)
    if field == "postcode":
        code = "" if value is None else str(value).strip()
        if code and not _POSTCODE.fullmatch(code):
            raise DomainError(ErrorCode.POSTCODE_INVALID, field="postcode")
        return code
    return _text(value, field=field, limit=_TEXT_LIMITS[field])


def _check_identity(
    profile: CandidateProfile, cleaned: dict[str, object], errors: list[DomainError], *, today: date
) -> None:
    """ID number against its type; a mainland number must agree with birth date and gender.

    Birth date and gender not given with a mainland number are taken from it.
    """
    id_type = cleaned.get("id_type", profile.id_type)
    number = str(cleaned.get("id_number", profile.id_number) or "")
    if not number:
        if "id_number" in cleaned:
            errors.append(DomainError(ErrorCode.ID_NUMBER_INVALID, field="idNumber"))
        return
    if id_type != IdType.MAINLAND_ID:
        if not _OTHER_ID.fullmatch(number):
            errors.append(DomainError(ErrorCode.ID_NUMBER_INVALID, field="idNumber"))
        return
    try:
        parsed = parse_mainland_id(number, today=today)
    except DomainError as error:
        errors.append(error)
        return
    cleaned["id_number"] = parsed.number if "id_number" in cleaned else number
    for field, derived, code in (
        ("birth_date", parsed.birth_date, ErrorCode.ID_NUMBER_BIRTH_DATE_MISMATCH),
        ("gender", parsed.gender, ErrorCode.ID_NUMBER_GENDER_MISMATCH),
    ):
        if field in cleaned:
            if cleaned[field] != derived:
                errors.append(DomainError(code, field=api_name(field)))
        elif getattr(profile, field) != derived:
            cleaned[field] = derived


def profile_update(
    *, user: User, actor: Any, changes: Mapping[str, object], through_certificate_change: bool = False
) -> CandidateProfile:
    """Change basic and extended profile fields (keys: model field names; absent keys stay as they are).

    Every input error is reported at once (DomainErrors). A field printed on a certificate (see
    `profiles.selectors.certificate_locked_fields`) is refused with PROFILE_FIELD_ON_CERTIFICATE unless
    the call comes from an approved certificate change request (`through_certificate_change=True`, with the
    approving reviewer as `actor`, who must hold a PROFILE_VIEWER_ROLES role). Changing name, ID type or ID
    number resets the verification status.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable profile fields: {sorted(unknown)}")
    if through_certificate_change:
        require_role(actor, *PROFILE_VIEWER_ROLES)
    else:
        _require_self(actor=actor, user=user)
    today = timezone.localdate()
    errors: list[DomainError] = []
    cleaned: dict[str, object] = {}
    for field, value in changes.items():
        try:
            cleaned[field] = _normalise(field, value, today=today)
        except DomainError as error:
            errors.append(error)

    with transaction.atomic():
        profile = _own_profile_for_update(user)
        if {"id_type", "id_number", "birth_date", "gender"} & changes.keys():
            _check_identity(profile, cleaned, errors, today=today)
        changed = [field for field, value in cleaned.items() if getattr(profile, field) != value]
        if not through_certificate_change:
            locked = certificate_locked_fields(user=user)
            errors += [
                DomainError(ErrorCode.PROFILE_FIELD_ON_CERTIFICATE, field=api_name(field))
                for field in changed
                if field in locked
            ]
        if "id_number" in changed and not errors:
            number = str(cleaned["id_number"])
            id_type = cleaned.get("id_type", profile.id_type)
            taken = (
                CandidateProfile.objects.filter(id_type=id_type, id_number=number).exclude(pk=profile.pk).exists()
                or User.objects.filter(id_number=number).exclude(pk=user.pk).exists()
            )
            if taken:
                errors.append(DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber"))
        if errors:
            raise DomainErrors(_unique(errors))
        if not changed:
            return profile
        old_number = profile.id_number
        for field in changed:
            setattr(profile, field, cleaned[field])
        update_fields = [*changed, "updated_at"]
        if "id_number" in changed and old_number and user.id_number == old_number:
            # A bound ID number (a login name) follows the profile's: the binding was checked against it.
            User.objects.filter(pk=user.pk).update(id_number=profile.id_number)
            user.id_number = profile.id_number
        if _IDENTITY_FIELDS & set(changed) and profile.verification != CandidateProfile.Verification.UNVERIFIED:
            profile.verification = CandidateProfile.Verification.UNVERIFIED
            update_fields.append("verification")
        profile.save(update_fields=update_fields)
        audit_record(
            actor=actor,
            action="profile_update",
            target=profile,
            # Field names only: the audit trail must not become a second copy of personal data.
            data={
                "fields": sorted(api_name(field) for field in changed),
                "certificateChange": through_certificate_change,
            },
        )
    return profile


def _unique(errors: list[DomainError]) -> list[DomainError]:
    seen: set[tuple[str, str | None]] = set()
    result = []
    for error in errors:
        key = (error.code.value, error.field)
        if key not in seen:
            seen.add(key)
            result.append(error)
    return result


# ------------------------------------------------------------------------------ identity verification


def profile_identity_review(*, actor: Any, profile_id: int, verified: bool, opinion: str = "") -> CandidateProfile:
    """Staff verify (认证通过) or reject (认证未通过, with the reason) a candidate's identity against the ID card
    photos. Both sides must be uploaded (PROFILE_INCOMPLETE otherwise); a rejection needs its reason
    (OPINION_REQUIRED). The candidate hears it live (`myReviewResults`, requestType profile_identity)."""
    require_role(actor, *PROFILE_VIEWER_ROLES)
    text = " ".join((opinion or "").split())
    if not verified and not text:
        raise DomainError(ErrorCode.OPINION_REQUIRED, field="opinion")
    if len(text) > 300:
        raise DomainError(ErrorCode.INVALID_INPUT, field="opinion")
    with transaction.atomic():
        profile = CandidateProfile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="profileId")
        if profile.user_id == actor.pk:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        kinds = set(profile.attachments.values_list("kind", flat=True))
        missing = [api_name(name) for name in ("real_name", "id_number") if not getattr(profile, name)]
        missing += [f"attachment:{kind.value}" for kind in (Attachment.Kind.ID_FRONT, Attachment.Kind.ID_BACK)
                    if kind.value not in kinds]
        if missing:
            raise DomainError(ErrorCode.PROFILE_INCOMPLETE, field="profileId", params={"missing": missing})
        before = profile.verification
        profile.verification = (
            CandidateProfile.Verification.VERIFIED if verified else CandidateProfile.Verification.REJECTED
        )
        profile.verification_opinion = text
        profile.verified_at = timezone.now()
        profile.verified_by = actor
        profile.save(update_fields=["verification", "verification_opinion", "verified_at", "verified_by"])
        audit_record(actor=actor, action="profile_identity_review", target=profile, from_state=before,
                     to_state=profile.verification, opinion=text)
        publish_after_commit(
            topic=f"user.{profile.user_id}.reviews",
            event={
                "kind": "review_result",
                "requestType": "profile_identity",
                "requestId": profile.pk,
                "state": "approved" if verified else "rejected",
                "stage": 1,
                "stages": 1,
                "opinion": text,
                "at": profile.verified_at.isoformat(),
            },
        )
    return profile


# ------------------------------------------------------------------------------- certificate locks


def profile_lock_fields(*, user: User, fields: Iterable[str], reason: str, actor: Any = None) -> None:
    """Mark profile fields as printed on a certificate; certificate issuance calls this.

    `reason` names what prints them ("certificate:<number>"); `fields` are model field names from
    LOCKABLE_FIELDS ("avatar" for the photo). Idempotent.
    """
    wanted = sorted(set(fields))
    if not wanted or set(wanted) - LOCKABLE_FIELDS or not 1 <= len(reason) <= 100:
        raise ValueError("lock known fields with a reason of 1–100 characters")
    with transaction.atomic():
        profile = _own_profile_for_update(user)
        ProfileFieldLock.objects.bulk_create(
            [ProfileFieldLock(profile=profile, field=field, reason=reason) for field in wanted],
            ignore_conflicts=True,
        )
        audit_record(
            actor=actor, action="profile_lock_fields", target=profile, data={"fields": wanted, "reason": reason}
        )


def profile_unlock_fields(*, user: User, reason: str, actor: Any = None) -> int:
    """Remove the locks `reason` placed (its certificate was cancelled or became invalid); returns how many."""
    with transaction.atomic():
        profile = _own_profile_for_update(user)
        removed, _ = ProfileFieldLock.objects.filter(profile=profile, reason=reason).delete()
        if removed:
            audit_record(actor=actor, action="profile_unlock_fields", target=profile, data={"reason": reason})
    return removed


# ------------------------------------------------------------------------------------------- files


def _read_upload(upload: UploadLike, *, max_bytes: int, field: str) -> bytes:
    """At most `max_bytes + 1` bytes: enough for the size check, never the whole of a huge file."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(ErrorCode.FILE_TOO_LARGE, field=field, params={"max_bytes": max_bytes})
    return data


def _delete_after_commit(storage: PrivateStorage, name: str) -> None:
    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:  # left for storage_sweep
            logger.warning("could not delete replaced file %s/%s", storage.schema_name, name, exc_info=True)

    transaction.on_commit(delete)


def profile_attachment_upload(*, user: User, actor: Any, kind: str, upload: UploadLike) -> Attachment:
    """Store an avatar or ID card photo, replacing the previous one of that kind (see the module docs)."""
    _require_self(actor=actor, user=user)
    if kind not in Attachment.Kind.values:
        raise DomainError(ErrorCode.INVALID_INPUT, field="kind")
    if kind in certificate_locked_fields(user=user):
        raise DomainError(ErrorCode.PROFILE_FIELD_ON_CERTIFICATE, field="kind")
    data = _read_upload(upload, max_bytes=DEFAULT_MAX_BYTES, field="file")
    clean = validate_image(data, filename=str(upload.name or ""), field="file")
    digest = hashlib.sha256(clean.content).hexdigest()

    storage = PrivateStorage.for_current_province()
    name = storage.save(clean.content, area=ATTACHMENT_AREA, extension=clean.extension)
    try:
        with transaction.atomic():
            profile = _own_profile_for_update(user)
            attachment = Attachment.objects.select_for_update().filter(profile=profile, kind=kind).first()
            values = {
                "storage_name": name,
                "content_type": clean.content_type,
                "size": len(clean.content),
                "sha256": digest,
            }
            if attachment is None:
                attachment = Attachment.objects.create(profile=profile, kind=kind, **values)
            else:
                _delete_after_commit(storage, attachment.storage_name)
                for key, value in values.items():
                    setattr(attachment, key, value)
                attachment.uploaded_at = timezone.now()
                attachment.save(update_fields=[*values, "uploaded_at"])
            if kind != Attachment.Kind.AVATAR and profile.verification != CandidateProfile.Verification.UNVERIFIED:
                profile.verification = CandidateProfile.Verification.UNVERIFIED
                profile.save(update_fields=["verification", "updated_at"])
            audit_record(
                actor=actor,
                action="profile_attachment_upload",
                target=attachment,
                data={"kind": kind, "sha256": digest},
            )
    except BaseException:
        storage.delete(name)
        raise
    return attachment


def _display_name(filename: str, extension: str) -> str:
    """The client's file name without any path, control characters or odd extension, for display only."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in unicodedata.normalize("NFC", base) if unicodedata.category(char)[0] != "C")
    stem = base.rsplit(".", 1)[0].strip(" .")[:100] or "document"
    return f"{stem}.{extension}"


def document_upload(*, owner: User, actor: Any, purpose: str, upload: UploadLike) -> Document:
    """Store a document (pdf, doc, docx, jpg, png; ≤ 500 KB, judged by its bytes) for a later request."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if actor.pk != owner.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if getattr(actor, "must_change_password", False):
        raise DomainError(ErrorCode.PASSWORD_CHANGE_REQUIRED)
    if purpose not in Document.Purpose.values:
        raise DomainError(ErrorCode.INVALID_INPUT, field="purpose")
    filename = str(upload.name or "")
    data = _read_upload(upload, max_bytes=DEFAULT_MAX_BYTES, field="file")
    clean = validate_document(data, filename=filename, field="file")

    storage = PrivateStorage.for_current_province()
    name = storage.save(clean.content, area=DOCUMENT_AREA, extension=clean.extension)
    try:
        with transaction.atomic():
            _document_quota_check(owner=owner, size=len(clean.content))
            document = Document.objects.create(
                owner=owner,
                purpose=purpose,
                file_name=_display_name(filename, clean.extension),
                storage_name=name,
                content_type=clean.content_type,
                size=len(clean.content),
                sha256=hashlib.sha256(clean.content).hexdigest(),
            )
            audit_record(actor=actor, action="document_upload", target=document, data={"purpose": purpose})
    except BaseException:
        storage.delete(name)
        raise
    return document


def _document_quota_check(*, owner: User, size: int) -> None:
    """Issue 17: at most PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY documents and
    PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY bytes per account in any 24 hours. The owner's row is locked
    first, so parallel uploads of one account are counted one after the other."""
    User.objects.select_for_update().filter(pk=owner.pk).first()
    since = timezone.now() - timedelta(days=1)
    recent = Document.objects.filter(owner=owner, uploaded_at__gte=since).aggregate(
        count=Count("id"), bytes=Sum("size")
    )
    count, used = int(recent["count"] or 0), int(recent["bytes"] or 0)
    too_many = count + 1 > settings.PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY
    if too_many or used + size > settings.PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY:
        oldest = Document.objects.filter(owner=owner, uploaded_at__gte=since).order_by("uploaded_at").first()
        until = (oldest.uploaded_at if oldest else timezone.now()) + timedelta(days=1)
        raise DomainError(ErrorCode.UPLOAD_QUOTA_EXCEEDED, field="file", params={"until": until.isoformat()})


def _referenced_document_ids() -> set[int]:
    """Ids of documents any row refers to: every foreign key or many-to-many to Document, found from the model
    registry (so requests added by later issues count without changes here)."""
    referenced: set[int] = set()
    for field in Document._meta.get_fields(include_hidden=True):
        if not (field.auto_created and field.is_relation and not field.concrete):
            continue
        if field.many_to_many:
            through = field.through  # type: ignore[union-attr]
            for column in through._meta.fields:
                if column.is_relation and column.related_model is Document:
                    referenced.update(through.objects.values_list(column.attname, flat=True))
        elif field.one_to_many or field.one_to_one:
            model = field.related_model
            referenced.update(
                model._default_manager.exclude(**{f"{field.field.attname}__isnull": True})  # type: ignore[union-attr]
                .values_list(field.field.attname, flat=True)  # type: ignore[union-attr]
            )
    return referenced


def document_sweep(*, older_than: timedelta | None = None) -> list[str]:
    """Delete this province's documents that no request refers to, uploaded more than `older_than` ago
    (default PLATFORM_DOCUMENT_GRACE_HOURS): an upload never used fills no storage for good. Returns the
    storage names removed (files go after the rows commit)."""
    grace = older_than if older_than is not None else timedelta(hours=settings.PLATFORM_DOCUMENT_GRACE_HOURS)
    storage = PrivateStorage.for_current_province()
    with transaction.atomic():
        stale = Document.objects.filter(uploaded_at__lt=timezone.now() - grace).exclude(
            pk__in=_referenced_document_ids()
        )
        names = list(stale.values_list("storage_name", flat=True))
        stale.delete()
        for name in names:
            _delete_after_commit(storage, name)
    return names


def storage_sweep(*, older_than: timedelta | None = None) -> list[str]:
    """Delete this province's stored files that no row refers to (left by a crash), older than `older_than`.

    Returns the names removed. The age (default `settings.STORAGE_SWEEP_MIN_AGE_SECONDS`) spares uploads in
    flight: their file is written just before their row commits.
    """
    age = older_than.total_seconds() if older_than is not None else float(settings.STORAGE_SWEEP_MIN_AGE_SECONDS)
    storage = PrivateStorage.for_current_province()
    referenced = set(Attachment.objects.values_list("storage_name", flat=True))
    referenced |= set(Document.objects.values_list("storage_name", flat=True))
    removed = []
    for area in (ATTACHMENT_AREA, DOCUMENT_AREA):
        for name in storage.orphans(area, referenced=referenced, older_than_seconds=age):
            storage.remove_any(name)
            removed.append(name)
    return removed
