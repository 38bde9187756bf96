from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from certificates.models import (
    Certificate,
    CertificateApplication,
    CertificateCancellation,
    CertificateChange,
    CertificateRenewal,
    CertificateRequest,
    CertificateTransfer,
)
from certificates.selectors import certificate_open_request, display_status, renewal_window_for
from certificates.services import Eligibility
from core.errors import ErrorCode as _ErrorCode
from registry.models import CertificateTransferRecord
from reviews.models import ReviewState as _ReviewState
from schema.base import ErrorCode, UserError
from schema.profiles.types import DocumentType
from schema.reviews.types import ReviewState


@strawberry.type(name="Certificate")
class CertificateType:
    id: strawberry.ID
    number: str
    holder_name: str
    category: str
    employer: str
    region: str
    status: str = strawberry.field(description="valid, expired, lapsed, cancelled, transferred or revoked")
    status_reason: str
    issued_at: datetime
    valid_from: date
    valid_until: date
    renewal_opens: date
    renewal_closes: date
    transferred_to: str
    transferred_from: str
    open_request_type: str | None = strawberry.field(
        description="The request (change, renewal, cancellation) waiting on it: other actions are refused "
        "with REQUEST_ALREADY_PENDING meanwhile."
    )
    open_request_id: strawberry.ID | None

    @classmethod
    def from_model(cls, certificate: Certificate) -> CertificateType:
        window = renewal_window_for(certificate)
        pending = certificate_open_request(certificate=certificate)
        return cls(
            id=strawberry.ID(str(certificate.pk)),
            number=certificate.number,
            holder_name=certificate.holder_name,
            category=certificate.category.name,
            employer=certificate.employer,
            region=certificate.region,
            status=display_status(status=certificate.status, valid_until=certificate.valid_until),
            status_reason=certificate.status_reason,
            issued_at=certificate.issued_at,
            valid_from=certificate.valid_from,
            valid_until=certificate.valid_until,
            renewal_opens=window.opens,
            renewal_closes=window.closes,
            transferred_to=certificate.transferred_to,
            transferred_from=certificate.transferred_from,
            open_request_type=type(pending).REQUEST_TYPE if pending is not None else None,
            open_request_id=strawberry.ID(str(pending.pk)) if pending is not None else None,
        )


@strawberry.type(description="Public verification: what anyone may see of a certificate; personal data masked.")
class CertificateVerification:
    number: str
    status: str
    status_reason: str
    holder_name: str = strawberry.field(description="masked, e.g. 张*明")
    id_number: str = strawberry.field(description="masked, e.g. 3201**********1234")
    category: str
    employer: str
    province: str
    valid_from: date
    valid_until: date
    transferred_to: str
    transferred_from: str


@strawberry.type
class FileDownload:
    filename: str
    content_type: str
    base64: str


@strawberry.type(
    name="CertificateRequest",
    description="A request on a certificate (requestType certificate_application, certificate_change, "
    "certificate_renewal, certificate_cancellation, certificate_transfer): its review state and, when "
    "rejected, the result, time (decidedAt) and opinion. Type-specific fields are null for other types.",
)
class CertificateRequestType:
    request_type: str
    id: strawberry.ID
    state: ReviewState  # type: ignore[valid-type]
    state_label: str
    stage: int
    stages: int
    submitted_at: datetime | None
    decided_at: datetime | None
    opinion: str
    version: int
    applicant_name: str
    documents: list[DocumentType]
    certificate_id: strawberry.ID | None
    certificate_number: str | None
    # application
    registration_id: strawberry.ID | None = None
    category: str | None = None
    employer: str | None = None
    region: str | None = None
    # change
    new_region: str | None = None
    new_province_code: str | None = None
    new_employer: str | None = None
    resigned: bool | None = None
    transfer_request_id: strawberry.ID | None = None
    # renewal
    valid_until_before: date | None = None
    valid_until_after: date | None = None
    # cancellation
    explanation: str | None = None
    # transfer (incoming)
    from_province: str | None = None

    @classmethod
    def from_model(cls, request: CertificateRequest) -> CertificateRequestType:
        applicant: Any = request.applicant
        certificate: Certificate | None = getattr(request, "certificate", None)
        extra: dict[str, Any] = {}
        if isinstance(request, CertificateApplication):
            extra = {"registration_id": strawberry.ID(str(request.registration_id)),
                     "category": request.category.name, "employer": request.employer, "region": request.region}
        elif isinstance(request, CertificateChange):
            extra = {"new_region": request.new_region, "new_province_code": request.new_province_code,
                     "new_employer": request.new_employer, "resigned": request.resigned,
                     "transfer_request_id": strawberry.ID(str(request.transfer_request_id))
                     if request.transfer_request_id else None}
        elif isinstance(request, CertificateRenewal):
            extra = {"valid_until_before": request.valid_until_before, "valid_until_after": request.valid_until_after}
        elif isinstance(request, CertificateCancellation):
            extra = {"explanation": request.explanation}
        elif isinstance(request, CertificateTransfer):
            extra = {"category": request.category_name, "new_region": request.new_region,
                     "new_employer": request.new_employer, "from_province": request.from_province_name}
        number = certificate.number if certificate is not None else getattr(request, "number", None)
        return cls(
            request_type=type(request).REQUEST_TYPE,
            id=strawberry.ID(str(request.pk)),
            state=_ReviewState(request.state),
            state_label=_ReviewState(request.state).label,
            stage=request.stage,
            stages=request.stages,
            submitted_at=request.submitted_at,
            decided_at=request.decided_at,
            opinion=request.opinion,
            version=request.version,
            applicant_name=applicant.real_name or applicant.username,
            documents=list(request.documents.all()),  # type: ignore[arg-type]  # DocumentType is a model type
            certificate_id=strawberry.ID(str(certificate.pk)) if certificate is not None else None,
            certificate_number=number,
            **extra,
        )


@strawberry.type
class CertificateRequestPayload:
    request: CertificateRequestType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="证书申领: a passed exam and whether a certificate may be applied for now.")
class CertificateApplicable:
    registration_id: strawberry.ID
    subject: str
    score: str | None
    category: str | None
    publicity_ends_at: datetime | None
    eligible: bool
    refusal: ErrorCode | None  # type: ignore[valid-type]

    @classmethod
    def from_eligibility(cls, eligibility: Eligibility) -> CertificateApplicable:
        registration = eligibility.registration
        return cls(
            registration_id=strawberry.ID(str(registration.pk)),
            subject=registration.subject.name,
            score=str(registration.score) if registration.score is not None else None,
            category=eligibility.category.name if eligibility.category is not None else None,
            publicity_ends_at=eligibility.publicity_ends_at,
            eligible=eligibility.refusal is None,
            refusal=_ErrorCode(eligibility.refusal) if eligibility.refusal is not None else None,
        )


@strawberry.type(description="A certificate moving between provinces (national record), seen from this province.")
class CertificateTransferRecordType:
    id: strawberry.ID
    number: str
    from_province: str
    to_province: str
    state: str
    holder_name: str = strawberry.field(description="masked")
    category: str
    opinion: str
    to_request_id: strawberry.ID
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, record: CertificateTransferRecord) -> CertificateTransferRecordType:
        return cls(
            id=strawberry.ID(str(record.pk)), number=record.number, from_province=record.from_province_name,
            to_province=record.to_province_name, state=record.state, holder_name=record.holder_name_masked,
            category=record.category_name, opinion=record.opinion,
            to_request_id=strawberry.ID(str(record.to_request_id)), created_at=record.created_at,
            updated_at=record.updated_at,
        )
