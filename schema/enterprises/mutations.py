"""Enterprise writes: registration (with the business licence as a multipart upload), profile completion and
correction, direct contact changes, name / qualification changes, unit-information changes, the
enterprise's stage of staff transfers (one or in batch), renewals for staff; and the holder's transfer
requests. Reviewers decide the later stages with reviewApprove / reviewReject / reviewBatchDecide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

import strawberry
from strawberry.file_uploads import Upload

from certificates.services import renewal_materials_set
from core.errors import DomainError, ErrorCode
from enterprises import services
from profiles.services import UploadLike
from reviews.models import ReviewState as _ReviewState
from schema.accounts.auth import require_actor, resolve_actor
from schema.base import client_address, db_resolver, user_errors
from schema.certificates.types import CertificateRenewalType, CertificateRequestPayload, CertificateType
from schema.enterprises.types import (
    EmailCodeSendPayload,
    EnterpriseChangeKind,
    EnterpriseChangePayload,
    EnterpriseChangeType,
    EnterprisePayload,
    EnterpriseType,
    RenewalMaterialsPayload,
    StaffTransferInType,
    StaffTransferOutType,
    StaffTransferPayload,
    UnitInfoChangePayload,
    UnitInfoChangeType,
)
from schema.profiles.types import DocumentPurposeEnum, DocumentType
from schema.relay import node_ref, pk_of
from schema.reviews.types import ReviewAction, ReviewBatchItemResult, ReviewBatchPayload, enum_value

_TRANSFER_TYPES: dict[type[Any], str] = {
    StaffTransferOutType: "staff_transfer_out", StaffTransferInType: "staff_transfer_in",
}


@strawberry.input(description="The company data of 001 注册 / 前往修改.")
class EnterpriseDataInput:
    name: str = strawberry.field(description="单位名称")
    legal_representative: str = strawberry.field(description="法定代表人")
    registered_address: str = strawberry.field(description="注册地址")
    contact_address: str = strawberry.field(description="联系地址")
    contact_person: str = strawberry.field(description="联系人")
    contact_phone: str = strawberry.field(description="联系电话")
    email: str = strawberry.field(description="邮箱 (verified with enterpriseEmailCodeSend's code)")

    def data(self) -> services.EnterpriseData:
        return services.EnterpriseData(
            name=self.name, legal_representative=self.legal_representative,
            registered_address=self.registered_address, contact_address=self.contact_address,
            contact_person=self.contact_person, contact_phone=self.contact_phone, email=self.email,
        )


@strawberry.input
class EnterpriseRegisterInput:
    credit_code: str = strawberry.field(description="统一社会信用代码 (GB 32100 check character); the login name")
    enterprise: EnterpriseDataInput
    email_code: str
    password: str
    password_confirmation: str


@strawberry.input(description="Direct changes (no review); omitted fields stay.")
class EnterpriseContactInput:
    registered_address: str | None = None
    contact_address: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    email: str | None = None
    email_code: str | None = strawberry.field(default=None, description="Required when the email changes")


@strawberry.input
class EnterpriseChangeInput:
    kind: EnterpriseChangeKind
    new_name: str | None = strawberry.field(default=None, description="NAME: the new name (licence upload too)")
    licence_document_id: strawberry.ID | None = strawberry.field(
        default=None, description="NAME: an uploaded business_licence document instead of the `licence` file")
    qualification_type: str | None = None
    qualification_level: str | None = None
    qualification_number: str | None = None
    qualification_valid_until: date | None = None
    request_id: strawberry.ID | None = strawberry.field(default=None, description="Correct a rejected one")


@strawberry.input
class EnterpriseStaffRenewInput:
    certificate_id: strawberry.ID
    document_ids: list[strawberry.ID] = strawberry.field(
        description="The signed application form and what the province's renewalMaterials ask for")
    request_id: strawberry.ID | None = strawberry.field(default=None, description="Correct a rejected one")


def _upload(file: Upload | None) -> UploadLike | None:
    return None if file is None else cast(UploadLike, file)


def _enterprise(info: strawberry.Info, call: Callable[[], Any]) -> EnterprisePayload:
    try:
        return EnterprisePayload(enterprise=call())
    except DomainError as error:
        return EnterprisePayload(errors=user_errors(error, info))


def _transfer(info: strawberry.Info, call: Callable[[], Any]) -> StaffTransferPayload:
    try:
        return StaffTransferPayload(request=call())
    except DomainError as error:
        return StaffTransferPayload(errors=user_errors(error, info))


def _renewal(info: strawberry.Info, call: Callable[[], Any]) -> CertificateRequestPayload:
    try:
        return CertificateRequestPayload(request=call())
    except DomainError as error:
        return CertificateRequestPayload(errors=user_errors(error, info))


def _docs(info: strawberry.Info, values: list[strawberry.ID]) -> list[int]:
    return [pk_of(info, v, DocumentType, field="documentIds") for v in values]


def _transfer_ref(info: strawberry.Info, value: strawberry.ID, field: str) -> tuple[str, int]:
    node_type, pk = node_ref(info, value, field=field)
    request_type = _TRANSFER_TYPES.get(node_type)
    if request_type is None:
        raise DomainError(ErrorCode.BAD_ID, field=field)
    return request_type, pk


@strawberry.type
class EnterpriseMutation:
    @strawberry.mutation(description="邮箱验证: send a code to the enterprise's email (registration, email change).")
    @db_resolver
    def enterprise_email_code_send(self, info: strawberry.Info, email: str) -> EmailCodeSendPayload:
        try:
            expires = services.enterprise_email_code_send(email=email, actor=resolve_actor(info),
                                                          client_address=client_address(info))
        except DomainError as error:
            return EmailCodeSendPayload(errors=user_errors(error, info))
        return EmailCodeSendPayload(expires_at=expires)

    @strawberry.mutation(description="企业注册: account (login = credit code) + company data + business licence, "
                         "submitted for review; log in to see its state (Account.enterprise).")
    @db_resolver
    def enterprise_register(
        self, info: strawberry.Info, input: EnterpriseRegisterInput, licence: Upload
    ) -> EnterprisePayload:
        return _enterprise(info, lambda: services.enterprise_register(
            credit_code=input.credit_code, data=input.enterprise.data(), password=input.password,
            password_confirmation=input.password_confirmation, email_code=input.email_code,
            licence=cast(UploadLike, licence), client_address=client_address(info),
        ))

    @strawberry.mutation(description="Complete (bulk-imported) or correct (rejected) the profile and submit it.")
    @db_resolver
    def enterprise_profile_submit(
        self, info: strawberry.Info, input: EnterpriseDataInput, email_code: str | None = None,
        licence: Upload | None = None,
    ) -> EnterprisePayload:
        actor = require_actor(info)
        return _enterprise(info, lambda: services.enterprise_profile_submit(
            actor=actor, data=input.data(), email_code=email_code, licence=_upload(licence)))

    @strawberry.mutation(description="Registered / contact address, contact, email (with code): no review.")
    @db_resolver
    def enterprise_contact_update(self, info: strawberry.Info, input: EnterpriseContactInput) -> EnterprisePayload:
        actor = require_actor(info)
        return _enterprise(info, lambda: services.enterprise_contact_update(
            actor=actor, registered_address=input.registered_address, contact_address=input.contact_address,
            contact_person=input.contact_person, contact_phone=input.contact_phone, email=input.email,
            email_code=input.email_code,
        ))

    @strawberry.mutation(description="单位名称变更 (new name + licence) or 资质变更, to review.")
    @db_resolver
    def enterprise_change_request(
        self, info: strawberry.Info, input: EnterpriseChangeInput, licence: Upload | None = None
    ) -> EnterpriseChangePayload:
        actor = require_actor(info)
        try:
            request = services.enterprise_change_request(
                actor=actor, kind=input.kind.value, new_name=input.new_name, licence=_upload(licence),
                licence_document_id=(pk_of(info, input.licence_document_id, DocumentType, field="licenceDocumentId")
                                     if input.licence_document_id else None),
                qualification_type=input.qualification_type, qualification_level=input.qualification_level,
                qualification_number=input.qualification_number,
                qualification_valid_until=input.qualification_valid_until,
                request_id=(pk_of(info, input.request_id, EnterpriseChangeType, field="requestId")
                            if input.request_id else None),
            )
        except DomainError as error:
            return EnterpriseChangePayload(errors=user_errors(error, info))
        return EnterpriseChangePayload(request=request)  # type: ignore[arg-type]

    @strawberry.mutation(description="单位信息变更 of one holder: the signed, stamped form (application_form "
                         "document) attached and submitted; also the correction of a rejected one.")
    @db_resolver
    def unit_info_change_submit(
        self, info: strawberry.Info, request_id: strawberry.ID, document_ids: list[strawberry.ID]
    ) -> UnitInfoChangePayload:
        actor = require_actor(info)
        try:
            request = services.unit_info_change_submit(
                actor=actor, request_id=pk_of(info, request_id, UnitInfoChangeType, field="requestId"),
                document_ids=_docs(info, document_ids))
        except DomainError as error:
            return UnitInfoChangePayload(errors=user_errors(error, info))
        return UnitInfoChangePayload(request=request)  # type: ignore[arg-type]

    @strawberry.mutation(description="取消申请: a pending unit-information change (it may be filed again).")
    @db_resolver
    def unit_info_change_withdraw(self, info: strawberry.Info, request_id: strawberry.ID) -> UnitInfoChangePayload:
        actor = require_actor(info)
        try:
            request = services.unit_info_change_withdraw(
                actor=actor, request_id=pk_of(info, request_id, UnitInfoChangeType, field="requestId"))
        except DomainError as error:
            return UnitInfoChangePayload(errors=user_errors(error, info))
        return UnitInfoChangePayload(request=request)  # type: ignore[arg-type]

    @strawberry.mutation(description="人员调出 (the holder): the certificate is to leave its enterprise.")
    @db_resolver
    def staff_transfer_out_request(
        self, info: strawberry.Info, certificate_id: strawberry.ID, reason: str = ""
    ) -> StaffTransferPayload:
        actor = require_actor(info)
        return _transfer(info, lambda: services.staff_transfer_out_request(
            actor=actor, certificate_id=pk_of(info, certificate_id, CertificateType, field="certificateId"),
            reason=reason))

    @strawberry.mutation(description="人员调入 (the holder): join the enterprise with this credit code.")
    @db_resolver
    def staff_transfer_in_request(
        self, info: strawberry.Info, certificate_id: strawberry.ID, credit_code: str, reason: str = ""
    ) -> StaffTransferPayload:
        actor = require_actor(info)
        return _transfer(info, lambda: services.staff_transfer_in_request(
            actor=actor, certificate_id=pk_of(info, certificate_id, CertificateType, field="certificateId"),
            credit_code=credit_code, reason=reason))

    @strawberry.mutation(description="The holder withdraws a transfer request nobody has decided yet.")
    @db_resolver
    def staff_transfer_withdraw(self, info: strawberry.Info, request_id: strawberry.ID) -> StaffTransferPayload:
        actor = require_actor(info)

        def call() -> Any:
            request_type, pk = _transfer_ref(info, request_id, "requestId")
            return services.staff_transfer_withdraw(actor=actor, request_type=request_type, request_id=pk)

        return _transfer(info, call)

    @strawberry.mutation(description="The enterprise's stage of 人员调出 / 人员调入: approve (同意) or reject with an "
                         "opinion, one or many (one type per call); each its own result. Only its own staff's.")
    @db_resolver
    def staff_transfer_decide(
        self, info: strawberry.Info, request_ids: list[strawberry.ID],
        action: ReviewAction, opinion: str = "",  # type: ignore[valid-type]
    ) -> ReviewBatchPayload:
        actor = require_actor(info)
        try:
            refs = [_transfer_ref(info, i, "requestIds") for i in request_ids]
            kinds = {request_type for request_type, _ in refs}
            if len(kinds) != 1:
                raise DomainError(ErrorCode.INVALID_INPUT, field="requestIds")
            results = services.staff_transfer_decide(
                actor=actor, request_type=kinds.pop(), request_ids=[pk for _, pk in refs],
                action=enum_value(action) or "", opinion=opinion)
        except DomainError as error:
            return ReviewBatchPayload(errors=user_errors(error, info))
        by_pk = {r.request_id: r for r in results}
        items: list[ReviewBatchItemResult] = []
        seen: set[int] = set()
        for given, (_, pk) in zip(request_ids, refs, strict=True):
            if pk in seen:
                continue
            seen.add(pk)
            r = by_pk[pk]
            items.append(ReviewBatchItemResult(
                id=given, ok=r.ok, state=_ReviewState(r.state) if r.state else None,
                errors=user_errors(r.error, info) if r.error else []))
        ok = sum(1 for r in items if r.ok)
        return ReviewBatchPayload(results=items, succeeded=ok, failed=len(items) - ok)

    @strawberry.mutation(description="延续 for a staff member inside the renewal window (the enterprise applies).")
    @db_resolver
    def enterprise_staff_renew(
        self, info: strawberry.Info, input: EnterpriseStaffRenewInput
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _renewal(info, lambda: services.enterprise_staff_renew(
            actor=actor, certificate_id=pk_of(info, input.certificate_id, CertificateType, field="certificateId"),
            document_ids=_docs(info, input.document_ids),
            request_id=(pk_of(info, input.request_id, CertificateRenewalType, field="requestId")
                        if input.request_id else None),
        ))

    @strawberry.mutation(description="取消申请: the enterprise cancels a pending renewal it filed.")
    @db_resolver
    def enterprise_renewal_withdraw(
        self, info: strawberry.Info, request_id: strawberry.ID
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _renewal(info, lambda: services.enterprise_renewal_withdraw(
            actor=actor, request_id=pk_of(info, request_id, CertificateRenewalType, field="requestId")))

    @strawberry.mutation(description="Province administrators: which documents a renewal needs here (default none).")
    @db_resolver
    def renewal_materials_set(
        self, info: strawberry.Info, purposes: list[DocumentPurposeEnum]
    ) -> RenewalMaterialsPayload:
        actor = require_actor(info)
        try:
            row = renewal_materials_set(actor=actor, purposes=[p.value for p in purposes])
        except DomainError as error:
            return RenewalMaterialsPayload(errors=user_errors(error, info))
        return RenewalMaterialsPayload(purposes=list(row.purposes))


__all__ = ["EnterpriseMutation", "EnterpriseType"]
