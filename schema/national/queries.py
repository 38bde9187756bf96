"""National regulators' queries (national endpoint only) and the public national search of open plans.

Each resolver checks the caller, calls one selector (which checks the regulator's reach, audits personal
reads and reads every province in one snapshot) and shapes its rows. Refusals are top-level coded errors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry
from strawberry import relay

from core.errors import DomainError, ErrorCode
from core.tabular import write_xlsx
from national import selectors
from national.models import DuplicateFinding
from schema.accounts.auth import require_actor
from schema.base import MAX_PAGE_SIZE, coded_error, db_resolver
from schema.certificates.types import FileDownload
from schema.national.types import (
    CertificateStatusCounts,
    DashboardCounters,
    DuplicateFindingType,
    NationalConnection,
    NationalExamPlan,
    PersonInProvince,
    ProvinceStatistics,
    RegulatorCertificate,
    RegulatorCertificateFilter,
    RegulatorRegistration,
    ReviewLoad,
)

R = TypeVar("R")


def _offset(info: strawberry.Info, first: int, after: str | None) -> tuple[int, int]:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise coded_error(info, DomainError(ErrorCode.INVALID_INPUT, field="first"))
    if not after:
        return 0, first
    try:
        kind, value = relay.from_base64(after)
        if kind != "arrayconnection":
            raise ValueError(kind)
        return int(value) + 1, first
    except (ValueError, TypeError, IndexError) as error:
        raise coded_error(info, DomainError(ErrorCode.INVALID_INPUT, field="after")) from error


def _run(info: strawberry.Info, read: Callable[[Any], R]) -> R:
    """The regulator's read, with its refusals (reach, purpose, range) as top-level coded errors."""
    actor = require_actor(info)
    try:
        return read(actor)
    except DomainError as error:
        raise coded_error(info, error) from error


@strawberry.type
class NationalQuery:
    @strawberry.field(description="Certificates per status, per province and in total (regulators).")
    @db_resolver
    def regulator_certificate_counts(
        self, info: strawberry.Info, provinces: list[str] | None = None
    ) -> list[CertificateStatusCounts]:
        rows = _run(info, lambda actor: selectors.certificates_by_status(actor=actor, provinces=provinces))
        return [CertificateStatusCounts.of(r) for r in rows]

    @strawberry.field(description="Certificates across provinces (personal data: `purpose` required, audited).")
    @db_resolver
    def regulator_certificates(
        self, info: strawberry.Info, purpose: str, filter: RegulatorCertificateFilter | None = None,
        provinces: list[str] | None = None, first: int = 50, after: str | None = None,
    ) -> NationalConnection[RegulatorCertificate]:
        offset, limit = _offset(info, first, after)
        wanted = (filter or RegulatorCertificateFilter()).to_selector()
        page = _run(info, lambda actor: selectors.certificate_search(
            actor=actor, filters=wanted, purpose=purpose, provinces=provinces, offset=offset, limit=limit))
        return NationalConnection.of(page, [RegulatorCertificate.of(r) for r in page.items])  # type: ignore[arg-type]

    @strawberry.field(description="Exam plans of every province with their seat totals (regulators).")
    @db_resolver
    def regulator_exam_plans(
        self, info: strawberry.Info, provinces: list[str] | None = None, open_only: bool = False,
        starts_from: date | None = None, starts_to: date | None = None, first: int = 50, after: str | None = None,
    ) -> NationalConnection[NationalExamPlan]:
        offset, limit = _offset(info, first, after)
        page = _run(info, lambda actor: selectors.exam_plans_across(
            actor=actor, provinces=provinces, open_only=open_only, starts_from=starts_from, starts_to=starts_to,
            offset=offset, limit=limit))
        return NationalConnection.of(page, [NationalExamPlan.of(r) for r in page.items])  # type: ignore[arg-type]

    @strawberry.field(description="Registrations and results across provinces (`purpose` required, audited).")
    @db_resolver
    def regulator_registrations(
        self, info: strawberry.Info, purpose: str, provinces: list[str] | None = None,
        id_number: str | None = None, state: str | None = None, first: int = 50, after: str | None = None,
    ) -> NationalConnection[RegulatorRegistration]:
        offset, limit = _offset(info, first, after)
        page = _run(info, lambda actor: selectors.registrations_across(
            actor=actor, purpose=purpose, provinces=provinces, id_number=id_number, state=state,
            offset=offset, limit=limit))
        return NationalConnection.of(page, [RegulatorRegistration.of(r) for r in page.items])  # type: ignore[arg-type]

    @strawberry.field(description="Waiting requests by type, state and age, per province and in total.")
    @db_resolver
    def regulator_review_load(
        self, info: strawberry.Info, provinces: list[str] | None = None, request_type: str | None = None,
        state: str | None = None,
    ) -> list[ReviewLoad]:
        rows = _run(info, lambda actor: selectors.review_load_across(
            actor=actor, provinces=provinces, request_type=request_type, state=state))
        return [ReviewLoad.of(r) for r in rows]

    @strawberry.field(description="Figures per province and in total for [dateFrom, dateTo] (inclusive days).")
    @db_resolver
    def regulator_statistics(
        self, info: strawberry.Info, date_from: date, date_to: date, provinces: list[str] | None = None
    ) -> list[ProvinceStatistics]:
        rows = _run(info, lambda actor: selectors.statistics_across(
            actor=actor, date_from=date_from, date_to=date_to, provinces=provinces))
        return [ProvinceStatistics.of(r) for r in rows]

    @strawberry.field(description="The same statistics as an Excel workbook (the query's columns), base64.")
    @db_resolver
    def regulator_statistics_export(
        self, info: strawberry.Info, date_from: date, date_to: date, provinces: list[str] | None = None
    ) -> FileDownload:
        rows = _run(info, lambda actor: selectors.statistics_across(
            actor=actor, date_from=date_from, date_to=date_to, provinces=provinces))
        content = write_xlsx(selectors.statistics_rows(rows), headers=selectors.STATISTICS_COLUMNS,
                             sheet_title="统计")
        return FileDownload(
            filename=f"statistics-{date_from.isoformat()}-{date_to.isoformat()}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            base64=base64.b64encode(content).decode(),
        )

    @strawberry.field(description="One ID number in every province: accounts, registrations, scores, "
                      "certificates (regulators; `purpose` required; audited).")
    @db_resolver
    def regulator_person(self, info: strawberry.Info, id_number: str, purpose: str) -> list[PersonInProvince]:
        rows = _run(info, lambda actor: selectors.person_across(actor=actor, id_number=id_number, purpose=purpose))
        return [PersonInProvince.of(r) for r in rows]

    @strawberry.field(description="Live counters per province: open seats, pending reviews, overdue requests.")
    @db_resolver
    def regulator_dashboard(self, info: strawberry.Info, provinces: list[str] | None = None) -> list[DashboardCounters]:
        rows = _run(info, lambda actor: selectors.dashboard_counters(actor=actor, provinces=provinces))
        return [DashboardCounters.of(r) for r in rows]

    @strawberry.field(description="Cross-province conflicts touching the regulator's provinces, newest first.")
    @db_resolver
    def regulator_duplicates(
        self, info: strawberry.Info, kind: str | None = None, include_resolved: bool = False,
        first: int = 50, after: str | None = None,
    ) -> NationalConnection[DuplicateFindingType]:
        offset, limit = _offset(info, first, after)

        def read(actor: Any) -> selectors.Page[DuplicateFinding]:
            found = selectors.duplicate_findings(actor=actor, kind=kind, include_resolved=include_resolved)
            return selectors.Page(items=list(found[offset : offset + limit]), total_count=found.count(),
                                  offset=offset, limit=limit)

        page = _run(info, read)
        return NationalConnection.of(page, [DuplicateFindingType.of(f) for f in page.items])  # type: ignore[arg-type]

    @strawberry.field(description="Seed 000's national portal: open exam plans of every province (public "
                      "fields), each with the province to register in. Anyone may read it.")
    @db_resolver
    def national_exam_plans(
        self, info: strawberry.Info, provinces: list[str] | None = None, region: str | None = None,
        first: int = 50, after: str | None = None,
    ) -> NationalConnection[NationalExamPlan]:
        offset, limit = _offset(info, first, after)
        page = selectors.open_exam_plans_public(provinces=provinces, region=region, offset=offset, limit=limit)
        return NationalConnection.of(page, [NationalExamPlan.of(r) for r in page.items])  # type: ignore[arg-type]

