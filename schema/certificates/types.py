"""Certificates as a graph: a certificate with its holder, category, requests and transfer history; every
request type (申领, 变更, 延续, 注销, 转入) as its own model type implementing `CertificateRequest` (and the
reviews' `Reviewable`); public verification.

Lists under a certificate are prefetched (one query per relation for the whole page, whatever its length);
the transfer history comes from the national registry in the same SELECT (a JSON subquery).
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import chain
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import JSONObject
from strawberry_django.optimizer import optimize
from strawberry_django.utils.typing import get_django_definition

from accounts.models import STAFF_ROLES
from certificates.models import (
    OPEN_STATES,
    Certificate,
    CertificateApplication,
    CertificateCancellation,
    CertificateCategory,
    CertificateChange,
    CertificateRenewal,
    CertificateRequest,
    CertificateTransfer,
    PersonalDataChange,
)
from certificates.selectors import display_status
from certificates.services import Eligibility
from certificates.windows import RENEWAL_EXTENSION_YEARS, add_years, renewal_window
from core.errors import DomainError
from core.errors import ErrorCode as _ErrorCode
from core.identity import mask_id_number
from registry.models import CertificateTransferRecord
from schema.accounts.auth import resolve_actor
from schema.accounts.types import AccountType
from schema.base import ErrorCode, UserError
from schema.profiles.types import DocumentType, GenderEnum
from schema.relay import ProvinceNode, global_id, node_ref
from schema.reviews.types import ReviewableType
from tenants.context import current_province

if TYPE_CHECKING:
    from schema.enterprises.types import EnterpriseType
    from schema.exams.types import RegistrationType, SubjectType


@strawberry_django.type(
    CertificateCategory, name="CertificateCategory", description="What a certificate certifies, and for how long."
)
class CertificateCategoryType(ProvinceNode):
    code: str
    name: str
    validity_years: int
    subject: Annotated[SubjectType, strawberry.lazy("schema.exams.types")] | None = strawberry_django.field(
        description="The exam subject whose pass qualifies for this category."
    )

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return queryset


# Every request kind on a certificate: (relation on Certificate, model). Prefetched under `requests`.
_REQUEST_RELATIONS: tuple[tuple[str, type[CertificateRequest]], ...] = (
    ("applications", CertificateApplication),
    ("changes", CertificateChange),
    ("renewals", CertificateRenewal),
    ("cancellations", CertificateCancellation),
    ("incoming_transfers", CertificateTransfer),
)
# The requests that block other actions while open (certificates.selectors.certificate_open_request).
_BLOCKING = ("changes", "renewals", "cancellations")


def _requests_prefetch(relation: str, model: type[CertificateRequest]) -> Any:
    return lambda info: Prefetch(
        relation,
        queryset=optimize(model.objects.annotate(sort_at=F("created_at")), info),  # type: ignore[attr-defined]
        to_attr=f"{relation}_pf",
    )


def _open_prefetch(relation: str, model: type[CertificateRequest]) -> Any:
    return lambda info: Prefetch(
        relation,
        queryset=optimize(model.objects.filter(state__in=OPEN_STATES), info),  # type: ignore[attr-defined]
        to_attr=f"{relation}_open_pf",
    )


_TRANSFER_FIELDS = (
    "id", "number", "from_province_code", "from_province_name", "to_province_code", "to_province_name",
    "from_change_id", "to_request_id", "state", "holder_name_masked", "category_name", "opinion", "created_at",
    "updated_at",
)


def _transfer_rows() -> ArraySubquery:
    return ArraySubquery(
        CertificateTransferRecord.objects.filter(number=OuterRef("number"))
        .order_by("created_at", "pk")
        .values(row=JSONObject(**{name: F(name) for name in _TRANSFER_FIELDS}))
    )


def _transfer_record(row: dict[str, Any]) -> CertificateTransferRecord:
    values = dict(row)
    for name in ("created_at", "updated_at"):
        values[name] = datetime.fromisoformat(str(values[name]))
    return CertificateTransferRecord(**values)


@strawberry_django.type(Certificate, name="Certificate", description="证书 of this province.")
class CertificateType(ProvinceNode):
    number: str
    holder: AccountType
    holder_name: str = strawberry_django.field(description="As printed on the certificate.")
    category: CertificateCategoryType
    employer: str
    region: str
    status_reason: str
    issued_at: datetime
    valid_from: date
    valid_until: date
    transferred_to: str
    transferred_from: str
    enterprise: Annotated[EnterpriseType, strawberry.lazy("schema.enterprises.types")] | None = (
        strawberry_django.field(description="The enterprise whose staff holds it (人员调入 / 调出 move it).")
    )

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        """Through `node`: its holder, its holder's enterprise and the province's staff."""
        viewer = resolve_actor(info)
        if viewer is None:
            return queryset.none()
        if viewer.has_role(*STAFF_ROLES):
            return queryset
        return queryset.filter(Q(holder_id=viewer.pk) | Q(enterprise__account_id=viewer.pk))

    @strawberry_django.field(
        only=["status", "valid_until"],
        description="valid, expired, lapsed, cancelled, transferred or revoked",
    )
    def status(self, root: Certificate) -> str:
        return display_status(status=root.status, valid_until=root.valid_until)

    @strawberry_django.field(only=["status", "valid_until"], description="有效 (true) or 无效 (false) today.")
    def valid(self, root: Certificate) -> bool:
        return display_status(status=root.status, valid_until=root.valid_until) == Certificate.Status.VALID

    @strawberry_django.field(only=["status", "valid_until"], description="证书状态 as printed: 有效 or 无效.")
    def validity(self, root: Certificate) -> str:
        valid = display_status(status=root.status, valid_until=root.valid_until) == Certificate.Status.VALID
        return "有效" if valid else "无效"

    @strawberry_django.field(
        only=["holder_id_number", "holder_id"],
        description="证件号码 as printed: in full for its holder and the province's staff, masked for anyone else.",
    )
    def holder_id_number(self, root: Certificate, info: strawberry.Info) -> str:
        return root.holder_id_number if _sees_personal_data(info, root) else mask_id_number(root.holder_id_number)

    @strawberry_django.field(only=["holder_gender"], description="性别 as printed.")
    def holder_gender(self, root: Certificate) -> GenderEnum | None:
        return GenderEnum(root.holder_gender) if root.holder_gender else None

    @strawberry_django.field(
        only=["holder_birth_date", "holder_id"],
        description="出生日期 as printed: for its holder and the province's staff; null for anyone else.",
    )
    def holder_birth_date(self, root: Certificate, info: strawberry.Info) -> date | None:
        return root.holder_birth_date if _sees_personal_data(info, root) else None

    @strawberry_django.field(only=["holder_ethnicity"], description="民族 as printed.")
    def holder_ethnicity(self, root: Certificate) -> str:
        return root.holder_ethnicity

    @strawberry_django.field(
        only=["valid_until"],
        description="延续: the expiry a renewal approved now would give (shown on the renewal form before approval).",
    )
    def renewal_valid_until(self, root: Certificate) -> date:
        return add_years(root.valid_until, RENEWAL_EXTENSION_YEARS)

    @strawberry_django.field(only=["valid_until"], description="延续 may be requested from this day…")
    def renewal_opens(self, root: Certificate) -> date:
        return renewal_window(root.valid_until).opens

    @strawberry_django.field(only=["valid_until"], description="…until this day.")
    def renewal_closes(self, root: Certificate) -> date:
        return renewal_window(root.valid_until).closes

    @strawberry_django.field(
        description="Every request on this certificate (申领 that issued it, 变更, 延续, 注销, 转入), newest first.",
        prefetch_related=[_requests_prefetch(relation, model) for relation, model in _REQUEST_RELATIONS],
    )
    def requests(self, root: Certificate) -> list[CertificateRequestType]:
        found = chain.from_iterable(getattr(root, f"{relation}_pf") for relation, _ in _REQUEST_RELATIONS)
        return sorted(found, key=lambda r: (r.sort_at, r.pk), reverse=True)

    @strawberry_django.field(
        description="The request (change, renewal, cancellation) waiting on it: other actions are refused "
        "with REQUEST_ALREADY_PENDING meanwhile.",
        prefetch_related=[_open_prefetch(relation, model) for relation, model in _REQUEST_RELATIONS
                          if relation in _BLOCKING],
    )
    def open_request(self, root: Certificate) -> CertificateRequestType | None:
        for relation in _BLOCKING:
            pending = getattr(root, f"{relation}_open_pf")
            if pending:
                return pending[0]
        return None

    @strawberry_django.field(
        description="Its moves between provinces (national records), oldest first.",
        annotate={"transfer_rows": lambda info: _transfer_rows()},
    )
    def transfer_history(self, root: Certificate) -> list[CertificateTransferRecordType]:
        return [_transfer_record(row) for row in root.transfer_rows or []]  # type: ignore[attr-defined,misc]


def _sees_personal_data(info: strawberry.Info, root: Certificate) -> bool:
    """The holder and the province's staff see what the certificate prints unmasked (seed 000 §9.3)."""
    viewer = resolve_actor(info)
    return viewer is not None and (viewer.pk == root.holder_id or viewer.has_role(*STAFF_ROLES))


@strawberry_django.interface(
    CertificateRequest, name="CertificateRequest",
    description="A request on a certificate (申领, 变更, 延续, 注销, 转入): its review state, materials and, when "
    "rejected, the time (decidedAt) and opinion. Select a kind's own fields with `... on CertificateChange`.",
)
class CertificateRequestType(ReviewableType):
    documents: list[DocumentType]


@strawberry_django.type(
    CertificateApplication, name="CertificateApplication",
    description="证书申领 (requestType certificate_application): approval issues the certificate.",
)
class CertificateApplicationType(CertificateRequestType):
    registration: Annotated[RegistrationType, strawberry.lazy("schema.exams.types")] = strawberry_django.field(
        description="The passed exam (考核合格记录)."
    )
    category: CertificateCategoryType
    employer: str
    region: str
    certificate: CertificateType | None = strawberry_django.field(description="Issued on approval.")

    @strawberry_django.field(only=["category__name"], select_related=["category"])
    def summary(self, root: CertificateApplication) -> str:
        return root.review_summary()


@strawberry_django.type(
    CertificateChange, name="CertificateChange",
    description="证书变更 (requestType certificate_change): new region (another province moves it), new employer.",
)
class CertificateChangeType(CertificateRequestType):
    certificate: CertificateType
    new_region: str
    new_province_code: str = strawberry_django.field(description="GB/T 2260 code; empty for this province.")
    new_employer: str
    resigned: bool

    @strawberry_django.field(only=["certificate__number", "new_region", "new_employer"],
                             select_related=["certificate"])
    def summary(self, root: CertificateChange) -> str:
        return root.review_summary()


@strawberry_django.type(
    CertificateRenewal, name="CertificateRenewal",
    description="证书延续 (requestType certificate_renewal): approval adds 3 years.",
)
class CertificateRenewalType(CertificateRequestType):
    certificate: CertificateType
    valid_until_before: date | None
    valid_until_after: date | None = strawberry_django.field(
        description="The new expiry: set when filed (shown before approval), confirmed by approval."
    )

    @strawberry_django.field(only=["certificate__number"], select_related=["certificate"])
    def summary(self, root: CertificateRenewal) -> str:
        return root.review_summary()


@strawberry_django.type(
    CertificateCancellation, name="CertificateCancellation",
    description="证书注销 (requestType certificate_cancellation): approval makes it invalid for good.",
)
class CertificateCancellationType(CertificateRequestType):
    certificate: CertificateType
    explanation: str

    @strawberry_django.field(only=["certificate__number"], select_related=["certificate"])
    def summary(self, root: CertificateCancellation) -> str:
        return root.review_summary()


@strawberry_django.type(
    CertificateTransfer, name="CertificateTransfer",
    description="证书转入 (requestType certificate_transfer): a certificate moved here from another province, "
    "accepted (certificateTransferAccept) or refused here.",
)
class CertificateTransferType(CertificateRequestType):
    number: str
    from_province: str = strawberry_django.field(field_name="from_province_name")
    category_name: str
    holder_name: str
    new_employer: str
    new_region: str
    valid_from: date
    valid_until: date
    certificate: CertificateType | None = strawberry_django.field(description="Created here on acceptance.")


@strawberry_django.type(
    PersonalDataChange, name="PersonalDataChange",
    description="个人信息变更 (requestType personal_data_change): corrects the name, ID number, gender or birth "
    "date printed on the holder's certificates; approval updates profile, certificates and the public record.",
)
class PersonalDataChangeType(CertificateRequestType):
    old_real_name: str
    old_id_number: str
    old_birth_date: date | None
    new_real_name: str = strawberry_django.field(description="Empty: unchanged.")
    new_id_number: str = strawberry_django.field(description="Empty: unchanged.")
    new_birth_date: date | None
    reason: str

    @strawberry_django.field(only=["old_gender"])
    def old_gender(self, root: PersonalDataChange) -> GenderEnum | None:
        return GenderEnum(root.old_gender) if root.old_gender else None

    @strawberry_django.field(only=["new_gender"], description="Null: unchanged.")
    def new_gender(self, root: PersonalDataChange) -> GenderEnum | None:
        return GenderEnum(root.new_gender) if root.new_gender else None

    @strawberry_django.field(only=["old_real_name", "applicant_id"])
    def summary(self, root: PersonalDataChange) -> str:
        return root.review_summary()


CERTIFICATE_REQUEST_TYPES: tuple[type[CertificateRequestType], ...] = (
    CertificateApplicationType, CertificateChangeType, CertificateRenewalType, CertificateCancellationType,
    CertificateTransferType, PersonalDataChangeType,
)


def certificate_request_ref(
    info: strawberry.Info, value: str, *, field: str | None = None, kind: type[CertificateRequestType] | None = None
) -> tuple[str, int]:
    """(request type, primary key) of a certificate request's global ID (of `kind` when given).

    Raises `DomainError`: BAD_ID for an ID of anything else, NOT_FOUND for another province's.
    """
    node_type, pk = node_ref(info, value, field=field)
    wanted = (kind,) if kind is not None else CERTIFICATE_REQUEST_TYPES
    if node_type not in wanted:
        raise DomainError(_ErrorCode.BAD_ID, field=field)
    model = get_django_definition(node_type, strict=True).model
    return str(model.REQUEST_TYPE), pk


@strawberry_django.type(
    CertificateTransferRecord, name="CertificateTransferRecord",
    description="A certificate moving between provinces (national record), as this province sees it.",
)
class CertificateTransferRecordType(ProvinceNode):
    rows_in = "public"

    number: str
    from_province: str = strawberry_django.field(field_name="from_province_name")
    to_province: str = strawberry_django.field(field_name="to_province_name")
    state: str
    holder_name: str = strawberry_django.field(field_name="holder_name_masked", description="masked")
    category: str = strawberry_django.field(field_name="category_name")
    opinion: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        viewer = resolve_actor(info)
        return queryset if viewer is not None and viewer.has_role(*STAFF_ROLES) else queryset.none()

    @strawberry_django.field(
        only=["to_province_code", "to_request_id"],
        description="The CertificateTransfer request that receives it, when this province receives it.",
    )
    def to_request_id(self, root: CertificateTransferRecord, info: strawberry.Info) -> strawberry.ID | None:
        if root.to_province_code != current_province().code:
            return None
        return global_id(info, CertificateTransferType, root.to_request_id)


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


@strawberry.type
class CertificateRequestPayload:
    request: CertificateRequestType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="证书申领: a passed exam and whether a certificate may be applied for now.")
class CertificateApplicable:
    registration: Annotated[RegistrationType, strawberry.lazy("schema.exams.types")]
    category: CertificateCategoryType | None
    publicity_ends_at: datetime | None
    eligible: bool
    refusal: ErrorCode | None  # type: ignore[valid-type]

    @classmethod
    def from_eligibility(cls, eligibility: Eligibility) -> CertificateApplicable:
        return cls(
            registration=eligibility.registration,  # type: ignore[arg-type]  # model instances
            category=eligibility.category,  # type: ignore[arg-type]
            publicity_ends_at=eligibility.publicity_ends_at,
            eligible=eligibility.refusal is None,
            refusal=_ErrorCode(eligibility.refusal) if eligibility.refusal is not None else None,
        )
