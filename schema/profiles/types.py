"""GraphQL types of candidate profiles, their attachments and documents."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from profiles.downloads import FileKind, download_url
from profiles.models import Attachment, CandidateProfile, Document
from profiles.selectors import api_name, certificate_locked_fields, profile_missing_items
from schema.accounts.auth import require_actor
from schema.base import db_resolver


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


@strawberry.type(name="ProfileAttachment")
class AttachmentType:
    id: strawberry.ID
    kind: AttachmentKindEnum
    content_type: str
    size: int
    uploaded_at: datetime
    model: strawberry.Private[Attachment]

    @classmethod
    def from_model(cls, attachment: Attachment) -> AttachmentType:
        return cls(
            id=strawberry.ID(str(attachment.pk)),
            kind=AttachmentKindEnum(attachment.kind),
            content_type=attachment.content_type,
            size=attachment.size,
            uploaded_at=attachment.uploaded_at,
            model=attachment,
        )

    @strawberry.field(description=_URL_HELP)
    @db_resolver
    def download_url(self, info: strawberry.Info) -> str:
        return _url(info, "attachment", self.model)


@strawberry.type(name="Document")
class DocumentType:
    id: strawberry.ID
    purpose: DocumentPurposeEnum
    file_name: str
    content_type: str
    size: int
    uploaded_at: datetime
    model: strawberry.Private[Document]

    @classmethod
    def from_model(cls, document: Document) -> DocumentType:
        return cls(
            id=strawberry.ID(str(document.pk)),
            purpose=DocumentPurposeEnum(document.purpose),
            file_name=document.file_name,
            content_type=document.content_type,
            size=document.size,
            uploaded_at=document.uploaded_at,
            model=document,
        )

    @strawberry.field(description=_URL_HELP)
    @db_resolver
    def download_url(self, info: strawberry.Info) -> str:
        return _url(info, "document", self.model)


@strawberry.type(description="What exam registration still needs; `missing` holds field names and attachment:<kind>.")
class ProfileCompleteness:
    complete: bool
    missing: list[str]

    @classmethod
    def of(cls, missing: list[str]) -> ProfileCompleteness:
        return cls(complete=not missing, missing=missing)


@strawberry.type(name="CandidateProfile", description="考生个人信息: basic and extended info, photos.")
class ProfileType:
    user_id: strawberry.ID
    real_name: str
    id_type: IdTypeEnum
    id_number: str
    verification: VerificationEnum
    gender: GenderEnum | None
    birth_date: date | None
    phone: str
    employer: str
    years_in_city_transport: int | None
    ethnicity: str
    education: EducationEnum | None
    home_address: str
    professional_title: str
    postcode: str
    updated_at: datetime
    model: strawberry.Private[CandidateProfile]

    @classmethod
    def from_model(cls, profile: CandidateProfile) -> ProfileType:
        return cls(
            user_id=strawberry.ID(str(profile.user_id)),
            real_name=profile.real_name,
            id_type=IdTypeEnum(profile.id_type),
            id_number=profile.id_number,
            verification=VerificationEnum(profile.verification),
            gender=GenderEnum(profile.gender) if profile.gender else None,
            birth_date=profile.birth_date,
            phone=profile.phone,
            employer=profile.employer,
            years_in_city_transport=profile.years_in_city_transport,
            ethnicity=profile.ethnicity,
            education=EducationEnum(profile.education) if profile.education else None,
            home_address=profile.home_address,
            professional_title=profile.professional_title,
            postcode=profile.postcode,
            updated_at=profile.updated_at,
            model=profile,
        )

    @strawberry.field
    @db_resolver
    def attachments(self) -> list[AttachmentType]:
        return [AttachmentType.from_model(a) for a in self.model.attachments.select_related("profile").order_by("kind")]

    @strawberry.field(description="Fields printed on a certificate: change them with a certificate change request.")
    @db_resolver
    def locked_fields(self) -> list[str]:
        return sorted(api_name(field) for field in certificate_locked_fields(user=self.model.user_id))

    @strawberry.field
    @db_resolver
    def completeness(self) -> ProfileCompleteness:
        return ProfileCompleteness.of(profile_missing_items(user=self.model.user_id))


@strawberry.type(description="One of the 56 recognised ethnic groups (GB/T 3304 code and name).")
class Ethnicity:
    code: str
    name: str
