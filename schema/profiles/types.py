"""GraphQL types of candidate profiles, their attachments and documents."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Prefetch, QuerySet

from profiles.downloads import FileKind, download_url
from profiles.models import Attachment, CandidateProfile, Document, ProfileFieldLock
from profiles.selectors import PROFILE_VIEWER_ROLES, REQUIRED_FIELDS, api_name, missing_items_of
from schema.accounts.auth import require_actor, resolve_actor
from schema.accounts.types import AccountType
from schema.relay import ProvinceNode


@strawberry.enum(name="IdType", description="证件类型")
class IdTypeEnum(Enum):
    MAINLAND_ID = "mainland_id"
    PASSPORT = "passport"
    HK_MACAU_PERMIT = "hk_macau_permit"
    TAIWAN_PERMIT = "taiwan_permit"


@strawberry.enum(name="Gender")
class GenderEnum(Enum):
    MALE = "male"
    FEMALE = "female"


@strawberry.enum(name="Education", description="学历")
class EducationEnum(Enum):
    PRIMARY = "primary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    JUNIOR_COLLEGE = "junior_college"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTOR = "doctor"


@strawberry.enum(name="IdVerification", description="证件认证状态")
class VerificationEnum(Enum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


@strawberry.enum(name="AttachmentKind", description="头像, 身份证人像面, 身份证国徽面")
class AttachmentKindEnum(Enum):
    AVATAR = "avatar"
    ID_FRONT = "id_front"
    ID_BACK = "id_back"


@strawberry.enum(name="DocumentPurpose", description="What a document is for in a later request.")
class DocumentPurposeEnum(Enum):
    PROOF_OF_LEAVING = "proof_of_leaving"
    PROOF_OF_JOINING = "proof_of_joining"
    APPLICATION_FORM = "application_form"
    PLEDGE = "pledge"
    SAFETY_EDUCATION_RECORD = "safety_education_record"
    LABOUR_CONTRACT = "labour_contract"
    SOCIAL_INSURANCE = "social_insurance"
    BUSINESS_LICENCE = "business_licence"
    OTHER = "other"


def _url(info: strawberry.Info, kind: FileKind, stored: Attachment | Document) -> str:
    viewer = require_actor(info)
    return download_url(kind=kind, stored=stored, viewer_id=viewer.pk, request=info.context.get("request"))


_URL_HELP = "A signed link for the caller, valid a few minutes (PLATFORM_DOWNLOAD_LINK_MAX_AGE seconds)."


def _files_visible(queryset: QuerySet[Any], info: strawberry.Info, owner: str) -> QuerySet[Any]:
    """Rows whose owner (lookup `owner`) is the caller, or all of them for staff who review candidates."""
    viewer = resolve_actor(info)
    if viewer is None or viewer.must_change_password:
        return queryset.none()
    if viewer.has_role(*PROFILE_VIEWER_ROLES):
        return queryset
    return queryset.filter(**{owner: viewer.pk})


@strawberry_django.type(Attachment, name="ProfileAttachment", description="头像 or an ID card side.")
class AttachmentType(ProvinceNode):
    kind: AttachmentKindEnum
    content_type: str
    size: int
    uploaded_at: datetime

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return _files_visible(queryset, info, "profile__user_id")

    @strawberry_django.field(description=_URL_HELP, only=["sha256"])
    def download_url(self, root: Attachment, info: strawberry.Info) -> str:
        return _url(info, "attachment", root)


@strawberry_django.type(Document, name="Document", description="A file uploaded for a later request.")
class DocumentType(ProvinceNode):
    purpose: DocumentPurposeEnum
    file_name: str
    content_type: str
    size: int
    uploaded_at: datetime

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return _files_visible(queryset, info, "owner_id")

    @strawberry_django.field(description=_URL_HELP, only=["sha256"])
    def download_url(self, root: Document, info: strawberry.Info) -> str:
        return _url(info, "document", root)


@strawberry.type(description="What exam registration still needs; `missing` holds field names and attachment:<kind>.")
class ProfileCompleteness:
    complete: bool
    missing: list[str]

    @classmethod
    def of(cls, missing: list[str]) -> ProfileCompleteness:
        return cls(complete=not missing, missing=missing)


@strawberry_django.type(
    CandidateProfile, name="CandidateProfile", description="考生个人信息: basic and extended info, photos."
)
class ProfileType(ProvinceNode):
    real_name: str
    id_type: IdTypeEnum
    id_number: str
    verification: VerificationEnum
    verification_opinion: str = strawberry_django.field(
        description="Staff's reason when the identity was rejected (认证未通过); empty otherwise."
    )
    verified_at: datetime | None = strawberry_django.field(description="When staff last decided on the identity.")
    birth_date: date | None
    phone: str
    employer: str
    years_in_city_transport: int | None
    ethnicity: str
    home_address: str
    professional_title: str
    postcode: str
    updated_at: datetime
    account: AccountType = strawberry_django.field(field_name="user")
    attachments: list[AttachmentType] = strawberry_django.field(description="Avatar and ID card sides.")

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return _files_visible(queryset, info, "user_id")

    @strawberry_django.field(only=["gender"])
    def gender(self, root: CandidateProfile) -> GenderEnum | None:
        return GenderEnum(root.gender) if root.gender else None

    @strawberry_django.field(only=["education"])
    def education(self, root: CandidateProfile) -> EducationEnum | None:
        return EducationEnum(root.education) if root.education else None

    @strawberry_django.field(
        description="Fields printed on a certificate: change them with a certificate change request.",
        prefetch_related=[lambda info: Prefetch("field_locks", queryset=ProfileFieldLock.objects.only(
            "id", "profile_id", "field"), to_attr="locks_for_api")],
    )
    def locked_fields(self, root: CandidateProfile) -> list[str]:
        locks = getattr(root, "locks_for_api", None)  # prefetched, except on a lone instance (mutation payload)
        if locks is None:
            locks = list(root.field_locks.only("field"))
        fields = [lock.field for lock in locks]
        return sorted({api_name(field) for field in fields})

    @strawberry_django.field(
        only=list(REQUIRED_FIELDS),
        prefetch_related=[lambda info: Prefetch("attachments", queryset=Attachment.objects.only(
            "id", "profile_id", "kind"), to_attr="attachments_for_completeness")],
    )
    def completeness(self, root: CandidateProfile) -> ProfileCompleteness:
        attachments = getattr(root, "attachments_for_completeness", None)  # prefetched, except on a lone instance
        kinds = {a.kind for a in (attachments if attachments is not None else root.attachments.all())}
        return ProfileCompleteness.of(missing_items_of(root, kinds))


@strawberry.type(description="One of the 56 recognised ethnic groups (GB/T 3304 code and name).")
class Ethnicity:
    code: str
    name: str
