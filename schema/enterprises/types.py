"""Enterprises as a graph: the enterprise (its registration is a Reviewable), its change requests, staff
transfers (three stages) and unit-information changes; all Relay nodes with global IDs.

Node access: an enterprise reaches its own enterprise and the requests naming it; the holder reaches his own
requests; the province's reviewers of each type reach theirs (ReviewableType.visible, narrowed here where
the enterprise role is a stage role).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Q, QuerySet

from accounts.models import Role
from enterprises.models import (
    Enterprise,
    EnterpriseChange,
    StaffTransfer,
    StaffTransferIn,
    StaffTransferOut,
    UnitInfoChange,
)
from schema.accounts.auth import resolve_actor
from schema.base import UserError
from schema.profiles.types import DocumentType
from schema.reviews.types import ReviewableType

if TYPE_CHECKING:
    from schema.certificates.types import CertificateType

CertificateTypeRef = Annotated["CertificateType", strawberry.lazy("schema.certificates.types")]


@strawberry_django.type(
    Enterprise, name="Enterprise",
    description="企业: the company profile; its review fields are the registration's (approved = active).",
)
class EnterpriseType(ReviewableType):
    credit_code: str = strawberry_django.field(description="统一社会信用代码 (GB 32100)")
    name: str
    legal_representative: str
    registered_address: str
    contact_address: str
    contact_person: str
    contact_phone: str
    email: str
    email_verified_at: datetime | None
    licence: DocumentType | None = strawberry_django.field(description="营业执照 (signed download link)")
    qualification_type: str
    qualification_level: str
    qualification_number: str
    qualification_valid_until: date | None

    @strawberry_django.field(only=["name", "credit_code"])
    def summary(self, root: Enterprise) -> str:
        return root.review_summary()


@strawberry_django.type(
    EnterpriseChange, name="EnterpriseChange",
    description="单位名称变更 / 资质变更 (requestType enterprise_change), reviewed by the review department.",
)
class EnterpriseChangeType(ReviewableType):
    enterprise: EnterpriseType
    kind: str = strawberry_django.field(description="name or qualification")
    old_name: str
    new_name: str
    licence: DocumentType | None
    qualification_type: str
    qualification_level: str
    qualification_number: str
    qualification_valid_until: date | None

    @strawberry_django.field(only=["kind", "old_name", "new_name", "qualification_type", "qualification_level"])
    def summary(self, root: EnterpriseChange) -> str:
        return root.review_summary()


def _enterprise_scoped(
    queryset: QuerySet[Any], info: strawberry.Info, *, staff_roles: tuple[str, ...]
) -> QuerySet[Any]:
    """Requests naming an enterprise: the applicant, the enterprise's own account, the given staff roles."""
    viewer = resolve_actor(info)
    if viewer is None:
        return queryset.none()
    if viewer.has_role(*staff_roles, Role.PROVINCE_ADMIN):
        return queryset
    return queryset.filter(Q(applicant_id=viewer.pk) | Q(enterprise__account_id=viewer.pk))


@strawberry_django.interface(
    StaffTransfer, name="StaffTransfer",
    description="人员调出 or 人员调入: a staff member's certificate leaving or joining an enterprise, in three stages.",
)
class StaffTransferType(ReviewableType):
    certificate: CertificateTypeRef
    enterprise: EnterpriseType
    reason: str

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        # the enterprise role decides stage 1, but only of its own staff: never every enterprise's
        return _enterprise_scoped(queryset, info, staff_roles=(Role.REVIEW_DEPARTMENT, Role.ASSESSMENT_AUTHORITY))

    @strawberry_django.field(only=["certificate__number", "certificate__holder_name", "enterprise__name"],
                             select_related=["certificate", "enterprise"])
    def summary(self, root: Any) -> str:
        return str(root.review_summary())


@strawberry_django.type(
    StaffTransferOut, name="StaffTransferOut",
    description="人员调出 (requestType staff_transfer_out): the enterprise (stage 1), the review department "
    "(2), the assessment authority (3); on approval the certificate leaves the enterprise.",
)
class StaffTransferOutType(StaffTransferType):
    pass


@strawberry_django.type(
    StaffTransferIn, name="StaffTransferIn",
    description="人员调入 (requestType staff_transfer_in): the enterprise (stage 1), the review department (2), "
    "the assessment authority issues (3); then the certificate is the enterprise's.",
)
class StaffTransferInType(StaffTransferType):
    pass


@strawberry_django.type(
    UnitInfoChange, name="UnitInfoChange",
    description="单位信息变更 (requestType unit_info_change): one per holder after a name change; draft until the "
    "enterprise files the signed form.",
)
class UnitInfoChangeType(ReviewableType):
    enterprise: EnterpriseType
    certificate: CertificateTypeRef
    old_name: str
    new_name: str
    documents: list[DocumentType]

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return _enterprise_scoped(queryset, info, staff_roles=(Role.ASSESSMENT_AUTHORITY,))

    @strawberry_django.field(only=["old_name", "new_name", "certificate__number"], select_related=["certificate"])
    def summary(self, root: UnitInfoChange) -> str:
        return root.review_summary()


ENTERPRISE_REQUEST_TYPES: tuple[type[ReviewableType], ...] = (
    EnterpriseType, EnterpriseChangeType, StaffTransferOutType, StaffTransferInType, UnitInfoChangeType,
)


@strawberry.enum(description="Which list an enterprise exports to Excel.")
class EnterpriseExportKind(Enum):
    STAFF = "staff"
    CERTIFICATES = "certificates"
    REQUESTS = "requests"


@strawberry.enum(description="人员调出 (OUT) or 人员调入 (IN).")
class StaffTransferDirection(Enum):
    OUT = "out"
    IN = "in"


@strawberry.enum(description="单位名称变更 or 资质变更.")
class EnterpriseChangeKind(Enum):
    NAME = "name"
    QUALIFICATION = "qualification"


@strawberry.type
class EnterprisePayload:
    enterprise: EnterpriseType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EnterpriseChangePayload:
    request: EnterpriseChangeType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UnitInfoChangePayload:
    request: UnitInfoChangeType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffTransferPayload:
    request: StaffTransferType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EmailCodeSendPayload:
    expires_at: datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RenewalMaterialsPayload:
    purposes: list[str] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)
