"""National reads: every province's own tables, read in place, in ONE snapshot.

A national answer must never mix moments: totals read province by province at different times can
disagree with themselves while provinces keep writing. `national_snapshot()` therefore opens one
REPEATABLE READ, READ ONLY transaction and every province is read inside it (our tenant backend switches
`search_path` per province on the same connection, inside the same transaction), so the whole answer
is one consistent moment of the database.

Provincial objects never leave their province as model instances: selectors return plain, fully
materialised rows (dataclasses) that carry their province, safe to hand to any thread or serializer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from certificates.models import (
    Certificate,
    CertificateCancellation,
    CertificateChange,
    CertificateRenewal,
)
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from exams.models import ExamPlan, ExamSession, Registration
from national.models import DuplicateFinding, RegulatorScope
from profiles.models import CandidateProfile
from reviews.models import PENDING_STATES, Reviewable, ReviewState
from reviews.registry import request_types, reviewable_model
from tenants.context import current_scope, province_scope
from tenants.models import Province

T = TypeVar("T")

MAX_PAGE = 200
MAX_RANGE_DAYS = 3 * 366
PURPOSE_MIN_LENGTH = 4
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("le1d", 1), ("le3d", 3), ("le7d", 7), ("le15d", 15), ("gt15d", None),
)


# ------------------------------------------------------------------------------------ reach & snapshot


def regulator_reach(*, actor: Any, provinces: Sequence[str] | None = None) -> list[Province]:
    """The active provinces `actor` may read (all for a national regulator, its set for a regional one),
    narrowed to `provinces` when given; refuses anyone else, and any code path outside the national scope
    (where a provincial account with the same id would otherwise match a public row)."""
    scope = current_scope()
    if scope is None or not scope.is_national:
        raise DomainError(ErrorCode.NOT_REGULATOR)
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_role(Role.NATIONAL_REGULATOR):
        raise DomainError(ErrorCode.NOT_REGULATOR)
    reach = RegulatorScope.objects.filter(user_id=actor.pk).first()
    if reach is None:
        raise DomainError(ErrorCode.NOT_REGULATOR)
    active = list(Province.objects.filter(kind=Province.Kind.PROVINCE, is_active=True).order_by("code"))
    allowed = active if reach.is_national else [p for p in active if p.slug in set(reach.provinces)]
    if provinces:
        wanted = {slug.strip().lower() for slug in provinces if slug and slug.strip()}
        outside = wanted - {p.slug for p in allowed}
        if outside:
            raise DomainError(ErrorCode.PROVINCE_NOT_IN_SCOPE, field="provinces", params={"provinces": sorted(outside)})
        allowed = [p for p in allowed if p.slug in wanted]
    return allowed


@contextmanager
def national_snapshot() -> Iterator[None]:
    """One REPEATABLE READ, READ ONLY transaction: every province read inside sees the same moment.

    Inside a caller's transaction (a test's, or a service's) that transaction's snapshot is used as it is.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def each_province(provinces: Sequence[Province], read: Callable[[Province], T]) -> list[tuple[Province, T]]:
    """`read` inside each province's schema, in the current snapshot; results in the provinces' order."""
    results: list[tuple[Province, T]] = []
    for province in provinces:
        with province_scope(province):
            results.append((province, read(province)))
    return results


def _in_schema(sql: str, tables: Sequence[str], schema: str) -> str:
    """The ORM's SQL with every table it reads qualified by `schema` (a province's).

    Django writes table names quoted and unqualified (`"certificates_certificate"`); PostgreSQL accepts
    `"schema"."table"` wherever a table name or a column's table qualifier stands, so qualifying each
    quoted table name points the same statement at another province's tables.
    """
    quote = connection.ops.quote_name
    for table in tables:
        sql = sql.replace(quote(table), f"{quote(schema)}.{quote(table)}")
    return sql


def union_across(
    provinces: Sequence[Province],
    queryset: QuerySet[Any],
    *,
    order_by: str = "",
    limit: int | None = None,
    offset: int = 0,
    with_total: bool = False,
) -> list[tuple[Any, ...]]:
    """One statement over every province: the queryset's SQL per province schema, `UNION ALL`, each row led
    by the province's slug (and followed by the total row count when `with_total`). One statement reads
    one snapshot of the database, whatever the isolation level; it costs one round trip for N provinces.
    `order_by` and the page apply to the union (columns are `province`, `province_code`, then the
    queryset's own columns by position: `c1`, `c2`, …)."""
    if not provinces:
        return []
    width = len(queryset.query.values_select) + len(queryset.query.annotation_select)
    names = ", ".join(f"c{i + 1}" for i in range(width))
    # Compiled once (compiling costs about a millisecond), then pointed at each province's schema.
    compiled, compiled_params = queryset.query.sql_with_params()
    tables = sorted({join.table_name for join in queryset.query.alias_map.values()}, key=len, reverse=True)
    parts: list[str] = []
    params: list[Any] = []
    for province in provinces:
        sql, part_params = _in_schema(compiled, tables, province.schema_name), compiled_params
        # The SQL is the ORM's own (values bound as parameters), the schema name quoted: nothing from input.
        parts.append(f"SELECT %s AS province, %s AS province_code, q.* FROM ({sql}) AS q")  # noqa: S608
        params += [province.slug, province.code, *part_params]
    union = " UNION ALL ".join(parts)
    total = ", count(*) OVER () AS total" if with_total else ""
    statement = f"SELECT province, {names}{total} FROM ({union}) AS u (province, province_code, {names})"  # noqa: S608
    if order_by:
        statement += f" ORDER BY {order_by}"
    if limit is not None:
        statement += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def regulator_read_record(
    *, actor: Any, what: str, provinces: Sequence[Province], purpose: str = "", filters: dict[str, Any] | None = None
) -> AuditEntry:
    """Audit a regulator's read of personal data (who, what, which provinces, why), committed before the
    read itself so that no personal data is ever shown without its trace."""
    with transaction.atomic():
        return AuditEntry.objects.create(
            actor_id=actor.pk,
            actor_label=str(actor.username)[:150],
            action=f"regulator_read_{what}",
            target_type="national.read",
            target_id=what,
            data={
                "provinces": [p.slug for p in provinces],
                "purpose": purpose,
                "filters": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (filters or {}).items()},
            },
        )


def _purpose(purpose: str | None) -> str:
    text = (purpose or "").strip()
    if len(text) < PURPOSE_MIN_LENGTH:
        raise DomainError(ErrorCode.PURPOSE_REQUIRED, field="purpose")
    return text[:500]


def _day_range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    if date_to < date_from or (date_to - date_from).days > MAX_RANGE_DAYS:
        raise DomainError(ErrorCode.DATE_RANGE_INVALID, field="dateTo")
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    return start, datetime.combine(date_to, time.min, tzinfo=tz) + timedelta(days=1)


# ------------------------------------------------------------------------------------ certificates


@dataclass(frozen=True)
class ProvinceRef:
    slug: str
    code: str
    name: str

    @classmethod
    def of(cls, province: Province) -> ProvinceRef:
        return cls(slug=province.slug, code=province.code, name=province.name)


@dataclass(frozen=True)
class StatusCounts:
    province: ProvinceRef | None  # None: the total over every province of the answer
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _summed(rows: Sequence[StatusCounts]) -> StatusCounts:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for key, value in row.counts.items():
            total[key] += value
    return StatusCounts(province=None, counts=dict(total))


def certificates_by_status(*, actor: Any, provinces: Sequence[str] | None = None) -> list[StatusCounts]:
    """Certificates per status, one row per province then the total (no personal data: not audited)."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    return certificates_by_status_in(reach)


def certificates_by_status_in(provinces: Sequence[Province]) -> list[StatusCounts]:
    counts: dict[str, dict[str, int]] = {p.slug: {} for p in provinces}
    # COUNT(*), not COUNT(id): PostgreSQL then answers from the status index alone (index-only scan).
    grouped = Certificate.objects.order_by().values_list("status").annotate(n=Count("*"))
    for slug, status, n in union_across(provinces, grouped):
        counts[slug][status] = n
    statuses = Certificate.Status.values
    rows = [StatusCounts(province=ProvinceRef.of(p), counts={s: counts[p.slug].get(s, 0) for s in statuses})
            for p in provinces]
    return [*rows, _summed(rows)]


@dataclass(frozen=True)
class NationalCertificate:
    province: ProvinceRef
    pk: int
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


# The columns a national certificate row reads, in NationalCertificate's field order (after `province`).
CERTIFICATE_COLUMNS = (
    "pk", "number", "holder_name", "holder_id_number", "category__code", "category__name", "employer", "status",
    "status_reason", "issued_at", "valid_from", "valid_until", "transferred_from", "transferred_to",
)
_CERTIFICATE_FIELDS = tuple(name for name in NationalCertificate.__dataclass_fields__ if name != "province")


@dataclass(frozen=True)
class CertificateFilter:
    number: str | None = None
    holder_id_number: str | None = None
    holder_name: str | None = None
    category_code: str | None = None
    status: str | None = None
    valid_until_from: date | None = None
    valid_until_to: date | None = None

    def apply(self, certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
        if self.number:
            certificates = certificates.filter(number=self.number.strip().upper())
        if self.holder_id_number:
            certificates = certificates.filter(holder_id_number=self.holder_id_number.strip().upper())
        if self.holder_name:
            certificates = certificates.filter(holder_name__contains=self.holder_name.strip())
        if self.category_code:
            certificates = certificates.filter(category__code=self.category_code.strip().upper())
        if self.status:
            if self.status not in Certificate.Status.values:
                raise DomainError(ErrorCode.INVALID_INPUT, field="status")
            certificates = certificates.filter(status=self.status)
        if self.valid_until_from:
            certificates = certificates.filter(valid_until__gte=self.valid_until_from)
        if self.valid_until_to:
            certificates = certificates.filter(valid_until__lte=self.valid_until_to)
        return certificates

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total_count: int
    offset: int
    limit: int

    @property
    def has_next_page(self) -> bool:
        return self.offset + len(self.items) < self.total_count


def _certificate_row(province: Province, c: Certificate) -> NationalCertificate:
    return NationalCertificate(
        province=ProvinceRef.of(province), pk=c.pk, number=c.number, holder_name=c.holder_name,
        holder_id_number=c.holder_id_number, category_code=c.category.code, category_name=c.category.name,
        employer=c.employer, status=c.status, status_reason=c.status_reason, issued_at=c.issued_at,
        valid_from=c.valid_from, valid_until=c.valid_until, transferred_from=c.transferred_from,
        transferred_to=c.transferred_to,
    )


def _paged_across(
    provinces: Sequence[Province],
    queryset: Callable[[], QuerySet[Any]],
    row: Callable[[Province, Any], T],
    *,
    offset: int,
    limit: int,
) -> Page[T]:
    """One page over the provinces in order: count each, then read only the slices the page covers."""
    offset, limit = max(offset, 0), min(max(limit, 1), MAX_PAGE)
    counts = each_province(provinces, lambda _p: queryset().count())
    total = sum(n for _p, n in counts)
    items: list[T] = []
    skip = offset
    for province, n in counts:
        if len(items) >= limit:
            break
        if skip >= n:
            skip -= n
            continue
        want = limit - len(items)
        with province_scope(province):
            items.extend(row(province, obj) for obj in queryset()[skip : skip + want])
        skip = 0
    return Page(items=items, total_count=total, offset=offset, limit=limit)


def certificate_search(
    *,
    actor: Any,
    filters: CertificateFilter,
    purpose: str | None = None,
    provinces: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[NationalCertificate]:
    """Certificates across provinces (number, holder ID number, name, category, status, expiry range),
    ordered by province code then newest issue; personal data: audited, a purpose is required."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    reason = _purpose(purpose)
    regulator_read_record(actor=actor, what="certificates", provinces=reach, purpose=reason, filters=vars(filters))
    return certificates_page_in(reach, filters, offset=offset, limit=limit)


def certificates_page_in(
    provinces: Sequence[Province], filters: CertificateFilter, *, offset: int = 0, limit: int = 50
) -> Page[NationalCertificate]:
    """The page itself (no reach check, no audit: callers do both): one statement over the provinces."""
    reach = provinces
    offset, limit = max(offset, 0), min(max(limit, 1), MAX_PAGE)
    found = filters.apply(Certificate.objects.all()).order_by().values_list(*CERTIFICATE_COLUMNS)
    with national_snapshot():
        rows = union_across(reach, found, order_by="province_code, c10 DESC, c1 DESC", limit=limit, offset=offset,
                            with_total=True)
        if not rows and offset:
            total = sum(n for _slug, n in union_across(reach, filters.apply(Certificate.objects.all()).order_by()
                                                       .values_list("status").annotate(n=Count("id"))))
        else:
            total = rows[0][-1] if rows else 0
    by_slug = {p.slug: p for p in reach}
    items = [NationalCertificate(province=ProvinceRef.of(by_slug[row[0]]), **dict(zip(_CERTIFICATE_FIELDS, row[1:-1],
                                                                                       strict=True)))
             for row in rows]
    return Page(items=items, total_count=int(total), offset=offset, limit=limit)


# ------------------------------------------------------------------------------------ exam plans


@dataclass(frozen=True)
class NationalPlan:
    province: ProvinceRef
    pk: int
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

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


def _plans(*, open_at: datetime | None, starts_from: date | None, starts_to: date | None) -> QuerySet[ExamPlan]:
    plans = ExamPlan.objects.select_related("exam_type", "site").annotate(
        capacity_total=Sum("sessions__capacity", default=0), taken_total=Sum("sessions__seats_taken", default=0)
    )
    if open_at is not None:
        plans = plans.filter(registration_opens_at__lte=open_at, registration_closes_at__gt=open_at)
    if starts_from is not None:
        plans = plans.filter(exam_starts_at__date__gte=starts_from)
    if starts_to is not None:
        plans = plans.filter(exam_starts_at__date__lte=starts_to)
    return plans.order_by("exam_starts_at", "id")


def _plan_row(province: Province, plan: Any) -> NationalPlan:
    return NationalPlan(
        province=ProvinceRef.of(province), pk=plan.pk, name=plan.name, region=plan.region,
        exam_type=plan.exam_type.name, site_name=plan.site.name, site_address=plan.site.address,
        exam_starts_at=plan.exam_starts_at, exam_ends_at=plan.exam_ends_at,
        registration_opens_at=plan.registration_opens_at, registration_closes_at=plan.registration_closes_at,
        capacity=int(plan.capacity_total or 0), seats_taken=int(plan.taken_total or 0),
    )


def exam_plans_across(
    *,
    actor: Any,
    provinces: Sequence[str] | None = None,
    open_only: bool = False,
    starts_from: date | None = None,
    starts_to: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[NationalPlan]:
    """Exam plans of the regulator's provinces with their seat totals (no personal data)."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    now = timezone.now() if open_only else None
    with national_snapshot():
        return _paged_across(
            reach, lambda: _plans(open_at=now, starts_from=starts_from, starts_to=starts_to), _plan_row,
            offset=offset, limit=limit,
        )


def open_exam_plans_public(
    *, provinces: Sequence[str] | None = None, region: str | None = None, offset: int = 0, limit: int = 50
) -> Page[NationalPlan]:
    """Seed 000's national portal: open plans of every active province (public fields), anyone may read."""
    active = Province.objects.filter(kind=Province.Kind.PROVINCE, is_active=True).order_by("code")
    if provinces:
        active = active.filter(slug__in=[s.strip().lower() for s in provinces])
    now = timezone.now()

    def plans() -> QuerySet[ExamPlan]:
        found = _plans(open_at=now, starts_from=None, starts_to=None)
        return found.filter(region__contains=region.strip()) if region and region.strip() else found

    with national_snapshot():
        return _paged_across(list(active), plans, _plan_row, offset=offset, limit=limit)


# ------------------------------------------------------------------------------------ registrations


@dataclass(frozen=True)
class NationalRegistration:
    province: ProvinceRef
    pk: int
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


def _registration_row(province: Province, r: Any) -> NationalRegistration:
    passed = None if r.score is None else r.score >= r.subject.pass_mark
    return NationalRegistration(
        province=ProvinceRef.of(province), pk=r.pk,
        applicant_name=r.profile_name or r.applicant.real_name or r.applicant.username,
        id_number=r.person_id_number or "", plan_name=r.plan.name, subject_name=r.subject.name,
        session_name=r.session.name, session_starts_at=r.session.starts_at, session_ends_at=r.session.ends_at,
        state=r.state, ticket_number=r.ticket_number, score=r.score, passed=passed, submitted_at=r.submitted_at,
    )


def registrations_with_person(*, id_number: str | None = None, state: str | None = None) -> QuerySet[Any]:
    from django.db.models import OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce, NullIf

    profiles = CandidateProfile.objects.filter(user_id=OuterRef("applicant_id"))
    found = Registration.objects.select_related("applicant", "plan", "subject", "session").annotate(
        profile_name=Subquery(profiles.values("real_name")[:1]),
        person_id_number=Coalesce(
            NullIf(F("applicant__id_number"), Value("")), Subquery(profiles.values("id_number")[:1])
        ),
    )
    if id_number:
        found = found.filter(person_id_number=id_number.strip().upper())
    if state:
        if state not in ReviewState.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="state")
        found = found.filter(state=state)
    return found.order_by("-created_at", "-id")


def registrations_across(
    *,
    actor: Any,
    purpose: str | None,
    provinces: Sequence[str] | None = None,
    id_number: str | None = None,
    state: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[NationalRegistration]:
    """Registrations and results across provinces; personal data: audited, a purpose is required."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    reason = _purpose(purpose)
    regulator_read_record(actor=actor, what="registrations", provinces=reach, purpose=reason,
                          filters={"idNumber": id_number, "state": state})
    with national_snapshot():
        return _paged_across(
            reach, lambda: registrations_with_person(id_number=id_number, state=state), _registration_row,
            offset=offset, limit=limit,
        )


# ------------------------------------------------------------------------------------ reviews (SLA view)


def _overdue(model: type[Reviewable], now: datetime) -> Q:
    """Waiting past its deadline: an exam registration's plan review deadline, else the review SLA."""
    if model is Registration:
        return Q(plan__review_deadline__lt=now)
    return Q(submitted_at__lt=now - timedelta(days=settings.PLATFORM_REVIEW_SLA_DAYS))


@dataclass(frozen=True)
class ReviewLoad:
    province: ProvinceRef | None
    request_type: str
    state: str
    count: int
    overdue: int
    oldest_submitted_at: datetime | None
    ages: dict[str, int] = field(default_factory=dict)  # waiting time buckets (AGE_BUCKETS)


def _age_bucket(submitted_at: datetime | None, now: datetime) -> str:
    days = (now - submitted_at).total_seconds() / 86400 if submitted_at else 0.0
    for name, limit in AGE_BUCKETS:
        if limit is None or days <= limit:
            return name
    return AGE_BUCKETS[-1][0]


def _review_load(*, types: Sequence[str], states: Sequence[str], now: datetime) -> list[ReviewLoad]:
    rows: list[ReviewLoad] = []
    for request_type in types:
        model = reviewable_model(request_type)
        requests = model.objects.filter(state__in=states)  # type: ignore[attr-defined]
        grouped: dict[str, list[tuple[datetime | None, bool]]] = defaultdict(list)
        overdue_ids = set(requests.filter(_overdue(model, now)).values_list("pk", flat=True))
        for pk, state, submitted_at in requests.values_list("pk", "state", "submitted_at"):
            grouped[state].append((submitted_at, pk in overdue_ids))
        for state in states:
            entries = grouped.get(state, [])
            ages: dict[str, int] = {name: 0 for name, _limit in AGE_BUCKETS}
            for submitted_at, _late in entries:
                ages[_age_bucket(submitted_at, now)] += 1
            stamps = [s for s, _late in entries if s is not None]
            rows.append(ReviewLoad(
                province=None, request_type=request_type, state=state, count=len(entries),
                overdue=sum(1 for _s, late in entries if late), oldest_submitted_at=min(stamps, default=None),
                ages=ages,
            ))
    return rows


def review_load_across(
    *,
    actor: Any,
    provinces: Sequence[str] | None = None,
    request_type: str | None = None,
    state: str | None = None,
) -> list[ReviewLoad]:
    """Waiting requests by type, state and age per province, then totals per (type, state)."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    types = request_types()
    if request_type:
        if request_type not in types:
            raise DomainError(ErrorCode.INVALID_INPUT, field="requestType")
        types = [request_type]
    states = [s.value for s in PENDING_STATES]
    if state:
        if state not in ReviewState.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="state")
        states = [state]
    now = timezone.now()
    with national_snapshot():
        per = each_province(reach, lambda _p: _review_load(types=types, states=states, now=now))
    rows: list[ReviewLoad] = []
    totals: dict[tuple[str, str], list[ReviewLoad]] = defaultdict(list)
    for province, loads in per:
        for load in loads:
            rows.append(ReviewLoad(**{**vars(load), "province": ProvinceRef.of(province)}))
            totals[(load.request_type, load.state)].append(load)
    for (request_type_, state_), loads in totals.items():
        stamps = [x.oldest_submitted_at for x in loads if x.oldest_submitted_at is not None]
        rows.append(ReviewLoad(
            province=None, request_type=request_type_, state=state_, count=sum(x.count for x in loads),
            overdue=sum(x.overdue for x in loads), oldest_submitted_at=min(stamps, default=None),
            ages={name: sum(x.ages.get(name, 0) for x in loads) for name, _limit in AGE_BUCKETS},
        ))
    return rows


# ------------------------------------------------------------------------------------ statistics

STATISTICS_COLUMNS: dict[str, str] = {
    "province": "省份",
    "registrations": "报名人数",
    "approvals": "审核通过",
    "rejections": "审核不通过",
    "expected": "应考人数",
    "attended": "实考人数",
    "passed": "合格人数",
    "certificates_issued": "发证",
    "certificates_renewed": "延续",
    "certificates_lapsed": "失效",
    "certificates_cancelled": "注销",
    "certificates_moved": "转出",
    "requests_overdue": "超期未审",
}
COUNT_COLUMNS = tuple(k for k in STATISTICS_COLUMNS if k != "province")


@dataclass(frozen=True)
class SubjectPassRate:
    subject: str
    sat: int
    passed: int

    @property
    def rate(self) -> float | None:
        return round(self.passed / self.sat, 4) if self.sat else None


@dataclass(frozen=True)
class ProvinceStatistics:
    province: ProvinceRef | None  # None: the national total of the answer
    counts: dict[str, int]
    subjects: list[SubjectPassRate]

    @property
    def attendance_rate(self) -> float | None:
        expected = self.counts.get("expected", 0)
        return round(self.counts.get("attended", 0) / expected, 4) if expected else None

    @property
    def pass_rate(self) -> float | None:
        attended = self.counts.get("attended", 0)
        return round(self.counts.get("passed", 0) / attended, 4) if attended else None


def _decided(model: type[Reviewable], start: datetime, end: datetime, **extra: Any) -> int:
    return int(model.objects.filter(  # type: ignore[attr-defined]
        state=ReviewState.APPROVED, decided_at__gte=start, decided_at__lt=end, **extra
    ).count())


def _province_statistics(start: datetime, end: datetime, now: datetime) -> tuple[dict[str, int], list[SubjectPassRate]]:
    counts: dict[str, int] = {}
    counts["registrations"] = Registration.objects.filter(submitted_at__gte=start, submitted_at__lt=end).count()
    decisions = AuditEntry.objects.filter(at__gte=start, at__lt=end, action__in=("review_approve", "review_reject"))
    by_action = dict(decisions.order_by().values_list("action").annotate(n=Count("id")))
    counts["approvals"] = int(by_action.get("review_approve", 0))
    counts["rejections"] = int(by_action.get("review_reject", 0))
    sat_in_range = Registration.objects.filter(
        state=ReviewState.APPROVED, session__starts_at__gte=start, session__starts_at__lt=end, session__ends_at__lte=now
    )
    counts["expected"] = sat_in_range.count()
    attended = sat_in_range.filter(score__isnull=False)
    counts["attended"] = attended.count()
    per_subject = (
        attended.order_by().values("subject__name")
        .annotate(sat=Count("id"), passed=Count("id", filter=Q(score__gte=F("subject__pass_mark"))))
        .order_by("subject__name")
    )
    subjects = [SubjectPassRate(subject=r["subject__name"], sat=r["sat"], passed=r["passed"]) for r in per_subject]
    counts["passed"] = sum(s.passed for s in subjects)
    counts["certificates_issued"] = Certificate.objects.filter(issued_at__gte=start, issued_at__lt=end).count()
    counts["certificates_renewed"] = _decided(CertificateRenewal, start, end)
    counts["certificates_lapsed"] = AuditEntry.objects.filter(
        at__gte=start, at__lt=end, action="certificate_lapse"
    ).count()
    counts["certificates_cancelled"] = _decided(CertificateCancellation, start, end)
    counts["certificates_moved"] = _decided(CertificateChange, start, end, new_province_code__gt="")
    overdue = 0
    for request_type in request_types():
        model = reviewable_model(request_type)
        overdue += model.objects.filter(state__in=PENDING_STATES).filter(_overdue(model, now)).count()  # type: ignore[attr-defined]
    counts["requests_overdue"] = overdue
    return counts, subjects


def statistics_across(
    *, actor: Any, date_from: date, date_to: date, provinces: Sequence[str] | None = None
) -> list[ProvinceStatistics]:
    """Per province and in total for [date_from, date_to] (inclusive days): registrations, decisions,
    attendance, pass rates by subject, certificates issued/renewed/lapsed/cancelled/moved, and the
    requests overdue now. The total row is the sum of the province rows of the same snapshot."""
    reach = regulator_reach(actor=actor, provinces=provinces)
    start, end = _day_range(date_from, date_to)
    now = timezone.now()
    with national_snapshot():
        per = each_province(reach, lambda _p: _province_statistics(start, end, now))
    rows = [ProvinceStatistics(province=ProvinceRef.of(p), counts=c, subjects=s) for p, (c, s) in per]
    total_counts = {key: sum(r.counts.get(key, 0) for r in rows) for key in COUNT_COLUMNS}
    subjects: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for s in row.subjects:
            subjects[s.subject][0] += s.sat
            subjects[s.subject][1] += s.passed
    total = ProvinceStatistics(
        province=None, counts=total_counts,
        subjects=[SubjectPassRate(subject=k, sat=v[0], passed=v[1]) for k, v in sorted(subjects.items())],
    )
    return [*rows, total]


def statistics_rows(rows: Sequence[ProvinceStatistics]) -> list[dict[str, object]]:
    """The statistics as table rows, columns as STATISTICS_COLUMNS (the Excel export and the API agree)."""
    return [
        {"province": r.province.name if r.province else "全国合计", **{k: r.counts.get(k, 0) for k in COUNT_COLUMNS}}
        for r in rows
    ]


# ------------------------------------------------------------------------------------ one person


@dataclass(frozen=True)
class PersonAccount:
    username: str
    real_name: str
    roles: list[str]
    is_active: bool
    date_joined: datetime


@dataclass(frozen=True)
class PersonInProvince:
    province: ProvinceRef
    accounts: list[PersonAccount]
    registrations: list[NationalRegistration]
    certificates: list[NationalCertificate]


def person_across(*, actor: Any, id_number: str, purpose: str | None) -> list[PersonInProvince]:
    """Everything one ID number has in every province the regulator reads; audited, purpose required."""
    reach = regulator_reach(actor=actor)
    reason = _purpose(purpose)
    wanted = (id_number or "").strip().upper()
    if not wanted:
        raise DomainError(ErrorCode.INVALID_INPUT, field="idNumber")
    regulator_read_record(actor=actor, what="person", provinces=reach, purpose=reason, filters={"idNumber": wanted})

    def read(province: Province) -> PersonInProvince:
        profile_users = CandidateProfile.objects.filter(id_number=wanted).values("user_id")
        users = User.objects.filter(Q(id_number=wanted) | Q(pk__in=profile_users)).order_by("pk")
        return PersonInProvince(
            province=ProvinceRef.of(province),
            accounts=[PersonAccount(username=u.username, real_name=u.real_name, roles=list(u.roles),
                                    is_active=u.is_active, date_joined=u.date_joined) for u in users],
            registrations=[_registration_row(province, r) for r in registrations_with_person(id_number=wanted)],
            certificates=[_certificate_row(province, c) for c in
                          Certificate.objects.select_related("category").filter(holder_id_number=wanted)],
        )

    with national_snapshot():
        found = each_province(reach, read)
    return [p for _province, p in found if p.accounts or p.registrations or p.certificates]


# ------------------------------------------------------------------------------------ dashboard


@dataclass(frozen=True)
class DashboardCounters:
    province: ProvinceRef | None
    open_seats: int
    pending_reviews: int
    overdue_requests: int


def _dashboard(now: datetime) -> tuple[int, int, int]:
    open_sessions = ExamSession.objects.filter(
        plan__registration_opens_at__lte=now, plan__registration_closes_at__gt=now
    ).aggregate(capacity=Sum("capacity", default=0), taken=Sum("seats_taken", default=0))
    pending = overdue = 0
    for request_type in request_types():
        model = reviewable_model(request_type)
        waiting = model.objects.filter(state__in=PENDING_STATES)  # type: ignore[attr-defined]
        pending += waiting.count()
        overdue += waiting.filter(_overdue(model, now)).count()
    return int(open_sessions["capacity"]) - int(open_sessions["taken"]), pending, overdue


def dashboard_counters_in(provinces: Sequence[Province]) -> list[DashboardCounters]:
    now = timezone.now()
    with national_snapshot():
        per = each_province(provinces, lambda _p: _dashboard(now))
    rows = [DashboardCounters(province=ProvinceRef.of(p), open_seats=s, pending_reviews=r, overdue_requests=o)
            for p, (s, r, o) in per]
    return [*rows, DashboardCounters(
        province=None, open_seats=sum(r.open_seats for r in rows),
        pending_reviews=sum(r.pending_reviews for r in rows), overdue_requests=sum(r.overdue_requests for r in rows),
    )]


def dashboard_counters(*, actor: Any, provinces: Sequence[str] | None = None) -> list[DashboardCounters]:
    return dashboard_counters_in(regulator_reach(actor=actor, provinces=provinces))


# ------------------------------------------------------------------------------------ duplicates


def duplicate_findings(
    *, actor: Any, kind: str | None = None, include_resolved: bool = False
) -> QuerySet[DuplicateFinding]:
    """Findings touching at least one of the regulator's provinces (a regional one sees its part)."""
    reach = regulator_reach(actor=actor)
    findings = DuplicateFinding.objects.filter(provinces__overlap=[p.slug for p in reach])
    if kind:
        if kind not in DuplicateFinding.Kind.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="kind")
        findings = findings.filter(kind=kind)
    if not include_resolved:
        findings = findings.filter(resolved_at__isnull=True)
    return findings.order_by("-first_seen_at", "-id")
