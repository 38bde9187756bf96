"""Certificate requests: 证书申领, 变更, 延续, 注销, withdrawal and added material, and accepting a certificate
moved from another province. Reviewers decide with reviewApprove / reviewReject (requestType
certificate_application, certificate_change, certificate_renewal, certificate_cancellation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import strawberry

from certificates import services
from certificates.models import CertificateRequest
from core.errors import DomainError
from schema.accounts.auth import require_actor
from schema.base import db_resolver, user_errors
from schema.certificates.types import (
    CertificateApplicationType,
    CertificateCancellationType,
    CertificateChangeType,
    CertificateRenewalType,
    CertificateRequestPayload,
    CertificateRequestType,
    CertificateTransferType,
    CertificateType,
    PersonalDataChangeType,
    certificate_request_ref,
)
from schema.exams.types import RegistrationType
from schema.profiles.types import DocumentType, GenderEnum
from schema.relay import pk_of


def _certificate(info: strawberry.Info, value: strawberry.ID) -> int:
    return pk_of(info, value, CertificateType, field="certificateId")


def _own_request(
    info: strawberry.Info, value: strawberry.ID | None, kind: type[CertificateRequestType]
) -> int | None:
    """The request being corrected (of the mutation's own kind), if any."""
    return None if value is None else certificate_request_ref(info, value, field="requestId", kind=kind)[1]


def _ids(info: strawberry.Info, values: list[strawberry.ID] | None) -> list[int]:
    return [pk_of(info, v, DocumentType, field="documentIds") for v in values or []]


def _run(info: strawberry.Info, call: Callable[[], CertificateRequest]) -> CertificateRequestPayload:
    try:
        request = call()
    except DomainError as error:
        return CertificateRequestPayload(errors=user_errors(error, info))
    return CertificateRequestPayload(request=request)  # type: ignore[arg-type]  # a model instance


@strawberry.input(description="个人信息变更: only the fields given change (the others stay as printed).")
class PersonalDataChangeInput:
    new_real_name: str | None = None
    new_id_number: str | None = strawberry.field(
        default=None, description="A mainland number also sets gender and birth date unless given."
    )
    new_gender: GenderEnum | None = None
    new_birth_date: date | None = None
    reason: str | None = strawberry.field(default=None, description="变更原因, ≤ 200 characters")
    document_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Proof, e.g. the ID card (documentUpload)"
    )
    request_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct this rejected request and resubmit it"
    )


@strawberry.input
class CertificateApplyInput:
    registration_id: strawberry.ID = strawberry.field(description="The passed exam (考核合格记录)")
    document_ids: list[strawberry.ID] = strawberry.field(description="Uploaded materials (documentUpload)")
    employer: str | None = strawberry.field(default=None, description="Default: the profile's employer")
    region: str | None = strawberry.field(default=None, description="Default: the province")
    request_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct a rejected one (its global ID)"
    )


@strawberry.input
class CertificateChangeInput:
    certificate_id: strawberry.ID
    new_region: str = strawberry.field(description="变更归属区域, e.g. 天津市和平区")
    new_employer: str = strawberry.field(description="变更单位名称")
    resigned: bool = strawberry.field(description="是否已离职")
    document_ids: list[strawberry.ID] = strawberry.field(
        description="proof_of_leaving (required when resigned), proof_of_joining (required when the employer "
        "changes), other files"
    )
    new_province: str | None = strawberry.field(
        default=None, description="Slug, code or name of the province of the new region when it is another one"
    )
    request_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct a rejected one (its global ID)"
    )


@strawberry.input
class CertificateRenewInput:
    certificate_id: strawberry.ID
    document_ids: list[strawberry.ID] = strawberry.field(
        description="pledge, application_form, safety_education_record, labour_contract, social_insurance"
    )
    request_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct a rejected one (its global ID)"
    )


@strawberry.input
class CertificateCancelInput:
    certificate_id: strawberry.ID
    explanation: str = strawberry.field(description="个人自愿说明, at most 200 characters")
    document_ids: list[strawberry.ID] | None = None
    request_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct a rejected one (its global ID)"
    )


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(description="证书申领: apply for the certificate of a passed exam after its publicity period.")
    @db_resolver
    def certificate_apply(self, info: strawberry.Info, input: CertificateApplyInput) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_apply(
            actor=actor, registration_id=pk_of(info, input.registration_id, RegistrationType, field="registrationId"),
            document_ids=_ids(info, input.document_ids), employer=input.employer, region=input.region,
            request_id=_own_request(info, input.request_id, CertificateApplicationType),
        ))

    @strawberry.mutation(description="证书变更: new region (another province moves the certificate), new employer.")
    @db_resolver
    def certificate_change_request(
        self, info: strawberry.Info, input: CertificateChangeInput
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_change_request(
            actor=actor, certificate_id=_certificate(info, input.certificate_id),
            new_region=input.new_region, new_employer=input.new_employer, resigned=input.resigned,
            document_ids=_ids(info, input.document_ids), new_province=input.new_province,
            request_id=_own_request(info, input.request_id, CertificateChangeType),
        ))

    @strawberry.mutation(
        description="证书延续: from 3 months before expiry to 2 months after (RENEWAL_WINDOW_NOT_OPEN with "
        "params.opens / RENEWAL_WINDOW_CLOSED); approval adds 3 years."
    )
    @db_resolver
    def certificate_renew(self, info: strawberry.Info, input: CertificateRenewInput) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_renew(
            actor=actor, certificate_id=_certificate(info, input.certificate_id),
            document_ids=_ids(info, input.document_ids),
            request_id=_own_request(info, input.request_id, CertificateRenewalType),
        ))

    @strawberry.mutation(description="证书注销: explanation ≤ 200 characters; approval makes it invalid for good.")
    @db_resolver
    def certificate_cancel(self, info: strawberry.Info, input: CertificateCancelInput) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_cancel(
            actor=actor, certificate_id=_certificate(info, input.certificate_id),
            explanation=input.explanation, document_ids=_ids(info, input.document_ids),
            request_id=_own_request(info, input.request_id, CertificateCancellationType),
        ))

    @strawberry.mutation(
        description="个人信息变更: a holder asks to correct the name, ID number, gender or birth date printed on "
        "the certificates; the assessment authority decides (reviewApprove / reviewReject, requestType "
        "personal_data_change); approval updates profile, certificates and public record together."
    )
    @db_resolver
    def personal_data_change_request(
        self, info: strawberry.Info, input: PersonalDataChangeInput
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.personal_data_change_request(
            actor=actor, new_real_name=input.new_real_name, new_id_number=input.new_id_number,
            new_gender=input.new_gender.value if input.new_gender is not None else None,
            new_birth_date=input.new_birth_date, reason=input.reason, document_ids=_ids(info, input.document_ids),
            request_id=_own_request(info, input.request_id, PersonalDataChangeType),
        ))

    @strawberry.mutation(description="撤回 one's certificate request before any reviewer acted.")
    @db_resolver
    def certificate_request_withdraw(
        self, info: strawberry.Info, request_id: strawberry.ID, expected_version: int | None = None,
    ) -> CertificateRequestPayload:
        actor = require_actor(info)

        def call() -> CertificateRequest:
            request_type, pk = certificate_request_ref(info, request_id, field="requestId")
            return services.certificate_request_withdraw(
                actor=actor, request_type=request_type, request_id=pk, expected_version=expected_version,
            )

        return _run(info, call)

    @strawberry.mutation(description="补充材料: add uploaded documents to one's request while it waits.")
    @db_resolver
    def certificate_request_material_add(
        self, info: strawberry.Info, request_id: strawberry.ID, document_ids: list[strawberry.ID]
    ) -> CertificateRequestPayload:
        actor = require_actor(info)

        def call() -> CertificateRequest:
            request_type, pk = certificate_request_ref(info, request_id, field="requestId")
            return services.certificate_request_material_add(
                actor=actor, request_type=request_type, request_id=pk, document_ids=_ids(info, document_ids),
            )

        return _run(info, call)

    @strawberry.mutation(
        description="Accept a certificate moved here from another province (assessment authority): it is "
        "created here with the same number; the old one shows transferred; verification follows it."
    )
    @db_resolver
    def certificate_transfer_accept(
        self, info: strawberry.Info, request_id: strawberry.ID, opinion: str = "",
        expected_version: int | None = None,
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_transfer_accept(
            actor=actor, request_id=_own_request(info, request_id, CertificateTransferType) or 0, opinion=opinion,
            expected_version=expected_version,
        ))

    @strawberry.mutation(description="Refuse a certificate moved here from another province, with an opinion.")
    @db_resolver
    def certificate_transfer_refuse(
        self, info: strawberry.Info, request_id: strawberry.ID, opinion: str, expected_version: int | None = None
    ) -> CertificateRequestPayload:
        actor = require_actor(info)
        return _run(info, lambda: services.certificate_transfer_refuse(
            actor=actor, request_id=_own_request(info, request_id, CertificateTransferType) or 0, opinion=opinion,
            expected_version=expected_version,
        ))
