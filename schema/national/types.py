"""National regulators' types: fully materialised rows read across provinces in one snapshot.

They are plain types, not model types: a national answer is built inside the provinces' schemas and handed
over whole, so nothing is read lazily later in the public schema. Each row names its province and carries
the global ID of the provincial object it describes, for drill-down with `node(id:)`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

import strawberry
from strawberry import relay

from national import selectors as s
from national.models import DuplicateFinding

T = TypeVar("T")


def provincial_id(type_name: str, province: s.ProvinceRef, pk: int) -> strawberry.ID:
    """The global ID of a provincial object (`Certificate:yunnan:7`), the same its province's endpoint uses."""
    return strawberry.ID(relay.to_base64(type_name, f"{province.slug}:{pk}"))


@strawberry.type(name="RegulatedProvince", description="The province a national row comes from.")
class RegulatedProvince:
    slug: str
    code: str
    name: str

    @classmethod
    def of(cls, ref: s.ProvinceRef | None) -> RegulatedProvince | None:
        return None if ref is None else cls.one(ref)

    @classmethod
    def one(cls, ref: s.ProvinceRef) -> RegulatedProvince:
        return cls(slug=ref.slug, code=ref.code, name=ref.name)


@strawberry.type(description="An item of a national list with its cursor.")
class NationalEdge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a national list (offset cursors, like every connection).")
class NationalConnection(Generic[T]):
    edges: list[NationalEdge[T]]
    page_info: relay.PageInfo
    total_count: int

    @classmethod
    def of(cls, page: s.Page[object], nodes: list[T]) -> NationalConnection[T]:
        edges = [NationalEdge(cursor=relay.to_base64("arrayconnection", page.offset + i), node=node)
                 for i, node in enumerate(nodes)]
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next_page, has_previous_page=page.offset > 0,
                start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total_count,
        )


@strawberry.type(name="CertificateStatusCounts", description="Certificates per status; province null = total.")
class CertificateStatusCounts:
    province: RegulatedProvince | None
    valid: int
    lapsed: int
    cancelled: int
    transferred: int
    revoked: int
    total: int

    @classmethod
    def of(cls, row: s.StatusCounts) -> CertificateStatusCounts:
        c = row.counts
        return cls(province=RegulatedProvince.of(row.province), valid=c.get("valid", 0), lapsed=c.get("lapsed", 0),
                   cancelled=c.get("cancelled", 0), transferred=c.get("transferred", 0),
                   revoked=c.get("revoked", 0), total=row.total)


@strawberry.type(name="RegulatorCertificate", description="A certificate as a regulator reads it (unmasked, audited).")
class RegulatorCertificate:
    province: RegulatedProvince
    id: strawberry.ID = strawberry.field(description="The certificate's global ID in its province (drill-down).")
    number: str
    holder_name: str
    holder_id_number: str
    category_code: str
    category_name: str
    employer: str
    status: str
    status_reason: str
    issued_at: datetime
    valid_from: date
    valid_until: date
    transferred_from: str
    transferred_to: str

    @classmethod
    def of(cls, row: s.NationalCertificate) -> RegulatorCertificate:
        fields = {k: v for k, v in vars(row).items() if k not in ("province", "pk")}
        return cls(province=RegulatedProvince.one(row.province), id=provincial_id("Certificate", row.province, row.pk),
                   **fields)


@strawberry.input(description="Filters of the national certificate search; all optional, combined with AND.")
class RegulatorCertificateFilter:
    number: str | None = None
    holder_id_number: str | None = None
    holder_name: str | None = None
    category_code: str | None = None
    status: str | None = None
    valid_until_from: date | None = None
    valid_until_to: date | None = None

    def to_selector(self) -> s.CertificateFilter:
        return s.CertificateFilter(**vars(self))


@strawberry.type(name="NationalExamPlan", description="An exam plan of a province with its seat totals.")
class NationalExamPlan:
    province: RegulatedProvince
    id: strawberry.ID = strawberry.field(description="The plan's global ID in its province: register there.")
    name: str
    region: str
    exam_type: str
    site_name: str
    site_address: str
    exam_starts_at: datetime
    exam_ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    capacity: int
    seats_taken: int
    remaining: int

    @classmethod
    def of(cls, row: s.NationalPlan) -> NationalExamPlan:
        fields = {k: v for k, v in vars(row).items() if k not in ("province", "pk")}
        return cls(province=RegulatedProvince.one(row.province), id=provincial_id("ExamPlan", row.province, row.pk),
                   remaining=row.remaining, **fields)


@strawberry.type(name="RegulatorRegistration", description="An exam registration and its result, read nationally.")
class RegulatorRegistration:
    province: RegulatedProvince
    id: strawberry.ID
    applicant_name: str
    id_number: str
    plan_name: str
    subject_name: str
    session_name: str
    session_starts_at: datetime
    session_ends_at: datetime
    state: str
    ticket_number: str | None
    score: Decimal | None
    passed: bool | None
    submitted_at: datetime | None

    @classmethod
    def of(cls, row: s.NationalRegistration) -> RegulatorRegistration:
        fields = {k: v for k, v in vars(row).items() if k not in ("province", "pk")}
        return cls(province=RegulatedProvince.one(row.province),
                   id=provincial_id("Registration", row.province, row.pk), **fields)


@strawberry.type(description="Waiting time buckets of pending requests (days since submission).")
class WaitingAges:
    up_to_1_day: int
    up_to_3_days: int
    up_to_7_days: int
    up_to_15_days: int
    over_15_days: int


@strawberry.type(name="ReviewLoad", description="Requests of one type and state in a province (null = total).")
class ReviewLoad:
    province: RegulatedProvince | None
    request_type: str
    state: str
    count: int
    overdue: int
    oldest_submitted_at: datetime | None
    ages: WaitingAges

    @classmethod
    def of(cls, row: s.ReviewLoad) -> ReviewLoad:
        a = row.ages
        return cls(
            province=RegulatedProvince.of(row.province), request_type=row.request_type, state=row.state,
            count=row.count, overdue=row.overdue, oldest_submitted_at=row.oldest_submitted_at,
            ages=WaitingAges(up_to_1_day=a.get("le1d", 0), up_to_3_days=a.get("le3d", 0),
                             up_to_7_days=a.get("le7d", 0), up_to_15_days=a.get("le15d", 0),
                             over_15_days=a.get("gt15d", 0)),
        )


@strawberry.type(name="SubjectPassRate")
class SubjectPassRate:
    subject: str
    sat: int
    passed: int
    rate: float | None


@strawberry.type(
    name="ProvinceStatistics",
    description="One province's figures for a date range (province null = the national total, their sum).",
)
class ProvinceStatistics:
    province: RegulatedProvince | None
    registrations: int
    approvals: int
    rejections: int
    expected: int = strawberry.field(description="Approved candidates whose session fell in the range.")
    attended: int
    attendance_rate: float | None
    passed: int
    pass_rate: float | None
    certificates_issued: int
    certificates_renewed: int
    certificates_lapsed: int
    certificates_cancelled: int
    certificates_moved: int
    requests_overdue: int = strawberry.field(description="Pending requests past their deadline now.")
    subjects: list[SubjectPassRate]

    @classmethod
    def of(cls, row: s.ProvinceStatistics) -> ProvinceStatistics:
        return cls(
            province=RegulatedProvince.of(row.province), attendance_rate=row.attendance_rate, pass_rate=row.pass_rate,
            subjects=[SubjectPassRate(subject=x.subject, sat=x.sat, passed=x.passed, rate=x.rate)
                      for x in row.subjects],
            **{k: row.counts.get(k, 0) for k in s.COUNT_COLUMNS},
        )


@strawberry.type(name="PersonAccount")
class PersonAccount:
    username: str
    real_name: str
    roles: list[str]
    is_active: bool
    date_joined: datetime


@strawberry.type(name="PersonInProvince", description="What one ID number has in one province.")
class PersonInProvince:
    province: RegulatedProvince
    accounts: list[PersonAccount]
    registrations: list[RegulatorRegistration]
    certificates: list[RegulatorCertificate]

    @classmethod
    def of(cls, row: s.PersonInProvince) -> PersonInProvince:
        return cls(
            province=RegulatedProvince.one(row.province),
            accounts=[PersonAccount(**vars(a)) for a in row.accounts],
            registrations=[RegulatorRegistration.of(r) for r in row.registrations],
            certificates=[RegulatorCertificate.of(c) for c in row.certificates],
        )


@strawberry.type(name="DashboardCounters", description="Live counters of a province (null = total).")
class DashboardCounters:
    province: RegulatedProvince | None
    open_seats: int
    pending_reviews: int
    overdue_requests: int

    @classmethod
    def of(cls, row: s.DashboardCounters) -> DashboardCounters:
        return cls(province=RegulatedProvince.of(row.province), open_seats=row.open_seats,
                   pending_reviews=row.pending_reviews, overdue_requests=row.overdue_requests)


DuplicateKind = strawberry.enum(DuplicateFinding.Kind, name="DuplicateKind")


@strawberry.type(name="DuplicateFinding", description="One ID number in conflict across provinces.")
class DuplicateFindingType:
    id: strawberry.ID
    kind: DuplicateKind  # type: ignore[valid-type]
    id_number: str
    provinces: list[str]
    details: strawberry.scalars.JSON
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, finding: DuplicateFinding) -> DuplicateFindingType:
        return cls(
            id=strawberry.ID(relay.to_base64("DuplicateFinding", f"national:{finding.pk}")), kind=finding.kind,
            id_number=finding.id_number, provinces=list(finding.provinces), details=finding.details,
            first_seen_at=finding.first_seen_at, last_seen_at=finding.last_seen_at, resolved_at=finding.resolved_at,
        )

