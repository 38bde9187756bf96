from __future__ import annotations

from dataclasses import fields
from datetime import date
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.file_uploads import Upload

from core.errors import DomainError
from profiles import services
from schema.accounts.auth import require_actor
from schema.base import UserError, db_resolver, user_errors
from schema.profiles.types import (
    AttachmentKindEnum,
    AttachmentType,
    DocumentPurposeEnum,
    DocumentType,
    EducationEnum,
    GenderEnum,
    IdTypeEnum,
    ProfileType,
)
from schema.relay import pk_of


@strawberry.input(description="Only the fields given change; null clears an optional extended field.")
class ProfileUpdateInput:
    real_name: str | None = strawberry.UNSET
    id_type: IdTypeEnum | None = strawberry.UNSET
    id_number: str | None = strawberry.UNSET
    gender: GenderEnum | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    employer: str | None = strawberry.UNSET
    years_in_city_transport: int | None = strawberry.UNSET
    ethnicity: str | None = strawberry.UNSET
    education: EducationEnum | None = strawberry.UNSET
    home_address: str | None = strawberry.UNSET
    professional_title: str | None = strawberry.UNSET
    postcode: str | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is strawberry.UNSET:
                continue
            given[field.name] = value.value if isinstance(value, Enum) else value
        return given


@strawberry.type
class ProfileUpdatePayload:
    profile: ProfileType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileAttachmentUploadPayload:
    attachment: AttachmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DocumentUploadPayload:
    document: DocumentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileIdentityReviewPayload:
    profile: ProfileType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(description="Change basic and extended profile info (GB 11643 checked for mainland IDs).")
    @db_resolver
    def profile_update(self, info: strawberry.Info, input: ProfileUpdateInput) -> ProfileUpdatePayload:
        actor = require_actor(info)
        try:
            profile = services.profile_update(user=actor, actor=actor, changes=input.changes())
        except DomainError as error:
            return ProfileUpdatePayload(errors=user_errors(error, info))
        return ProfileUpdatePayload(profile=profile)  # type: ignore[arg-type]

    @strawberry.mutation(description="Upload the avatar or an ID card side (JPEG/PNG ≤ 500 KB, multipart).")
    @db_resolver
    def profile_attachment_upload(
        self, info: strawberry.Info, kind: AttachmentKindEnum, file: Upload
    ) -> ProfileAttachmentUploadPayload:
        actor = require_actor(info)
        try:
            attachment = services.profile_attachment_upload(
                user=actor, actor=actor, kind=kind.value, upload=cast(services.UploadLike, file)
            )
        except DomainError as error:
            return ProfileAttachmentUploadPayload(errors=user_errors(error, info))
        return ProfileAttachmentUploadPayload(attachment=attachment)  # type: ignore[arg-type]

    @strawberry.mutation(description="Upload a document for a later request (pdf/doc/docx/jpg/png ≤ 500 KB).")
    @db_resolver
    def document_upload(
        self, info: strawberry.Info, purpose: DocumentPurposeEnum, file: Upload
    ) -> DocumentUploadPayload:
        actor = require_actor(info)
        try:
            document = services.document_upload(
                owner=actor, actor=actor, purpose=purpose.value, upload=cast(services.UploadLike, file)
            )
        except DomainError as error:
            return DocumentUploadPayload(errors=user_errors(error, info))
        return DocumentUploadPayload(document=document)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Staff: verify (verified: true) or reject with the reason (opinion) a candidate's identity "
        "against the ID card photos; the candidate is told live (myReviewResults, requestType profile_identity)."
    )
    @db_resolver
    def profile_identity_review(
        self, info: strawberry.Info, profile_id: strawberry.ID, verified: bool, opinion: str | None = None
    ) -> ProfileIdentityReviewPayload:
        actor = require_actor(info)
        try:
            pk = pk_of(info, profile_id, ProfileType, field="profileId")
            profile = services.profile_identity_review(
                actor=actor, profile_id=pk, verified=verified, opinion=opinion or ""
            )
        except DomainError as error:
            return ProfileIdentityReviewPayload(errors=user_errors(error, info))
        return ProfileIdentityReviewPayload(profile=profile)  # type: ignore[arg-type]
