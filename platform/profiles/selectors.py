"""Reads of candidate profiles."""

from __future__ import annotations

from typing import Any, Final

from django.db import models
from django.db.models import QuerySet

from accounts.models import Role
from profiles.models import Attachment, CandidateProfile, Document, ProfileFieldLock

# What exam registration needs (seed 000: basic info, the starred extended fields 单位名称 and 累计城市客运
# 工作年限, and the three attachments).
REQUIRED_BASIC_FIELDS = ("real_name", "id_type", "id_number", "gender", "birth_date", "phone")
REQUIRED_EXTENDED_FIELDS = ("employer", "years_in_city_transport")
REQUIRED_FIELDS = REQUIRED_BASIC_FIELDS + REQUIRED_EXTENDED_FIELDS
REQUIRED_ATTACHMENTS = (Attachment.Kind.AVATAR, Attachment.Kind.ID_FRONT, Attachment.Kind.ID_BACK)


def profile_for(*, user: Any) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).first()


def profile_missing_items(*, user: Any) -> list[str]:
    """What is still missing before the candidate may register for an exam; empty when complete.

    Items are field names (camelCase, as the API spells them) and attachment kinds (`attachment:avatar`).
    """
    profile = profile_for(user=user)
    if profile is None:
        fields = [api_name(name) for name in REQUIRED_FIELDS]
        return fields + [f"attachment:{kind.value}" for kind in REQUIRED_ATTACHMENTS]
    return missing_items_of(profile, set(profile.attachments.values_list("kind", flat=True)))


def profile_complete_sql(*, user_param: str = "%(user)s") -> str:
    """An SQL boolean expression, true when `profile_missing_items` of the user (`user_param`) would be empty:
    to fold the check into another statement (the booking's single read). Built from REQUIRED_FIELDS
    and REQUIRED_ATTACHMENTS; the missing items themselves come from `profile_missing_items`."""
    from django.db import connection

    quote = connection.ops.quote_name
    conditions = [f"cp.{quote('user_id')} = {user_param}"]
    for name in REQUIRED_FIELDS:
        field = CandidateProfile._meta.get_field(name)
        column = f"cp.{quote(field.column)}"  # type: ignore[union-attr,arg-type]
        conditions.append(f"{column} IS NOT NULL")
        if isinstance(field, models.CharField | models.TextField):
            conditions.append(f"{column} <> ''")
    for kind in REQUIRED_ATTACHMENTS:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {quote(Attachment._meta.db_table)} a WHERE a.{quote('profile_id')} = cp.id "  # noqa: S608
            f"AND a.{quote('kind')} = '{kind.value}')"
        )
    return f"EXISTS (SELECT 1 FROM {quote(CandidateProfile._meta.db_table)} cp WHERE {' AND '.join(conditions)})"  # noqa: S608


def missing_items_of(profile: CandidateProfile, attachment_kinds: set[str]) -> list[str]:
    """`profile_missing_items` for a loaded profile and the kinds of its attachments (no query)."""
    missing = [api_name(name) for name in REQUIRED_FIELDS if getattr(profile, name) in (None, "")]
    missing += [f"attachment:{kind.value}" for kind in REQUIRED_ATTACHMENTS if kind.value not in attachment_kinds]
    return missing


def api_name(name: str) -> str:
    """A model field name as the API spells it: "birth_date" → "birthDate"."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# Province staff who may see candidates' profiles and files: every role that reviews candidates' requests
# (exam site and exam administration for registrations, review department, assessment authority) and the
# province admin.
PROFILE_VIEWER_ROLES: Final = (
    Role.SITE_REVIEWER,
    Role.EXAM_ADMIN,
    Role.REVIEW_DEPARTMENT,
    Role.ASSESSMENT_AUTHORITY,
    Role.PROVINCE_ADMIN,
)


def certificate_locked_fields(*, user: Any) -> set[str]:
    """Profile fields printed on one of the user's certificates: changing them needs a certificate change request.

    Model field names ("real_name", "employer", …, and "avatar" for the photo). The certificates app
    provides them by calling `profiles.services.profile_lock_fields(user=..., fields=..., reason=...)` when it
    issues a certificate and `profile_unlock_fields` when one stops being valid; until certificates exist
    this returns an empty set.
    """
    return set(ProfileFieldLock.objects.filter(profile__user=user).values_list("field", flat=True).distinct())


def may_view_files_of(*, viewer: Any, owner_id: int) -> bool:
    """The owner, or staff of this province holding a profile-viewer role (accounts live in its schema)."""
    if viewer is None or not getattr(viewer, "is_active", False) or getattr(viewer, "must_change_password", False):
        return False
    return bool(viewer.pk == owner_id or viewer.has_role(*PROFILE_VIEWER_ROLES))


def attachment_for_viewer(*, viewer: Any, attachment_id: int) -> Attachment | None:
    attachment = Attachment.objects.select_related("profile").filter(pk=attachment_id).first()
    if attachment is None or not may_view_files_of(viewer=viewer, owner_id=attachment.profile.user_id):
        return None
    return attachment


def document_for_viewer(*, viewer: Any, document_id: int) -> Document | None:
    document = Document.objects.filter(pk=document_id).first()
    if document is None or not may_view_files_of(viewer=viewer, owner_id=document.owner_id):
        return None
    return document


def profile_for_staff(*, viewer: Any, user_id: int) -> CandidateProfile | None:
    """A candidate's profile for province staff; None when absent or when the viewer may not see it."""
    if not getattr(viewer, "is_active", False) or not viewer.has_role(*PROFILE_VIEWER_ROLES):
        return None
    return CandidateProfile.objects.filter(user_id=user_id).first()


def documents_of(*, owner: Any) -> QuerySet[Document]:
    return Document.objects.filter(owner=owner).order_by("-uploaded_at", "-pk")


def profiles_awaiting_identity_check(*, viewer: Any) -> QuerySet[CandidateProfile]:
    """Staff: profiles whose identity is not verified yet and whose ID photos (both sides) are uploaded,
    oldest change first (rejected ones come back once the candidate changed something)."""
    if not getattr(viewer, "is_active", False) or not viewer.has_role(*PROFILE_VIEWER_ROLES):
        return CandidateProfile.objects.none()
    return (
        CandidateProfile.objects.filter(verification=CandidateProfile.Verification.UNVERIFIED)
        .filter(attachments__kind=Attachment.Kind.ID_FRONT)
        .filter(attachments__kind=Attachment.Kind.ID_BACK)
        .order_by("updated_at", "pk")
    )
