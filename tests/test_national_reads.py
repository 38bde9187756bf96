"""National reads at the service level: reach, audit, sums, snapshot, person, duplicates, public plans."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from certificates.models import Certificate
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from core.tabular import write_xlsx
from exams.services import RegistrationChoice, registration_submit
from national.models import DuplicateFinding
from national.selectors import (
    STATISTICS_COLUMNS,
    CertificateFilter,
    certificate_search,
    certificates_by_status,
    certificates_by_status_in,
    dashboard_counters,
    each_province,
    national_snapshot,
    open_exam_plans_public,
    person_across,
    regulator_reach,
    review_load_across,
    statistics_across,
    statistics_rows,
)
from national.services import duplicates_detect, regulator_create
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import issue_certificate
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.national import make_regulator

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = "11010519491231002X"


def _codes(error: pytest.ExceptionInfo[DomainError]) -> ErrorCode:
    return error.value.code


def test_regional_regulator_reaches_only_its_provinces(yunnan: Any, tianjin: Any) -> None:
    # Given a national and a regional (Yunnan only) regulator
    national, _ = make_regulator("reg_all")
    regional, _ = make_regulator("reg_yn", provinces=["yunnan"])
    with national_scope():
        # When each asks for its reach
        # Then the national one reads both, the regional one only Yunnan, and asking for Tianjin is refused
        assert {p.slug for p in regulator_reach(actor=national)} == {"yunnan", "tianjin"}
        assert [p.slug for p in regulator_reach(actor=regional)] == ["yunnan"]
        with pytest.raises(DomainError) as refused:
            regulator_reach(actor=regional, provinces=["tianjin"])
        assert _codes(refused) == ErrorCode.PROVINCE_NOT_IN_SCOPE


def test_only_regulators_in_the_national_scope_read(yunnan: Any) -> None:
    # Given a provincial reviewer and a national regulator
    staff, _ = make_account(yunnan, username="yn_admin", roles=[Role.PROVINCE_ADMIN])
    regulator, _ = make_regulator("reg_all")
    # When the provincial account asks at the national scope, or the regulator's call runs in a province
    with national_scope(), pytest.raises(DomainError) as not_regulator:
        certificates_by_status(actor=staff)
    with province_scope(yunnan), pytest.raises(DomainError) as wrong_scope:
        certificates_by_status(actor=regulator)
    # Then both are refused
    assert _codes(not_regulator) == ErrorCode.NOT_REGULATOR
    assert _codes(wrong_scope) == ErrorCode.NOT_REGULATOR


def test_regulator_create_national_and_regional(yunnan: Any) -> None:
    with national_scope():
        # Given/When an operator creates a regional regulator, then a bad one
        user = regulator_create(actor=None, username="reg_south", password="Reg_pass_2026", real_name="王监管",
                                provinces=["yunnan"])
        with pytest.raises(DomainError) as unknown:
            regulator_create(actor=None, username="reg_none", password="Reg_pass_2026", real_name="王监管",
                             provinces=["atlantis"])
        # Then the account is a regulator bound to Yunnan, forced to change its password, and audited
        assert user.has_role(Role.NATIONAL_REGULATOR) and user.must_change_password
        assert [p.slug for p in regulator_reach(actor=user)] == ["yunnan"]
        assert _codes(unknown) == ErrorCode.PROVINCE_NOT_FOUND
        assert AuditEntry.objects.filter(action="regulator_create", target_id=str(user.pk)).exists()
    with province_scope(yunnan), pytest.raises(DomainError) as in_province:
        regulator_create(actor=None, username="reg_x", password="Reg_pass_2026", real_name="王监管")
    assert _codes(in_province) == ErrorCode.NOT_REGULATOR


def test_certificates_by_status_totals_are_the_sum_of_provinces(yunnan: Any, tianjin: Any) -> None:
    # Given two valid certificates in Yunnan (one then cancelled) and one in Tianjin
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    th, _ = make_account(tianjin, username="tj_h", roles=[Role.CANDIDATE])
    issue_certificate(yunnan, yh)
    cancelled = issue_certificate(yunnan, yh, category_code="GJA")
    issue_certificate(tianjin, th)
    with province_scope(yunnan):
        Certificate.objects.filter(pk=cancelled.pk).update(status=Certificate.Status.CANCELLED)
    regulator, _ = make_regulator("reg_all")
    # When the regulator reads the counts
    with national_scope():
        rows = certificates_by_status(actor=regulator)
        only_yunnan = certificates_by_status(actor=regulator, provinces=["yunnan"])
    # Then each province has its counts and the total row is their sum
    by_province = {r.province.slug if r.province else "total": r.counts for r in rows}
    assert by_province["yunnan"]["valid"] == 1 and by_province["yunnan"]["cancelled"] == 1
    assert by_province["tianjin"]["valid"] == 1
    assert by_province["total"]["valid"] == 2 and by_province["total"]["cancelled"] == 1
    assert only_yunnan[-1].counts == by_province["yunnan"]


def test_certificate_search_needs_a_purpose_pages_across_provinces_and_is_audited(yunnan: Any, tianjin: Any) -> None:
    # Given the same person holding a certificate in each province
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    th, _ = make_account(tianjin, username="tj_h", roles=[Role.CANDIDATE])
    yc = issue_certificate(yunnan, yh, id_number=PERSON)
    tc = issue_certificate(tianjin, th, id_number=PERSON, category_code="GJA")
    regulator, _ = make_regulator("reg_all")
    with national_scope():
        # When searching without a purpose
        with pytest.raises(DomainError) as no_purpose:
            certificate_search(actor=regulator, filters=CertificateFilter(holder_id_number=PERSON), purpose=" ")
        # And with one, a page of one at a time
        first = certificate_search(actor=regulator, filters=CertificateFilter(holder_id_number=PERSON),
                                   purpose="投诉核查 2026-118", limit=1)
        second = certificate_search(actor=regulator, filters=CertificateFilter(holder_id_number=PERSON),
                                    purpose="投诉核查 2026-118", offset=1, limit=1)
        audits = list(AuditEntry.objects.filter(action="regulator_read_certificates"))
    # Then the refusal is coded, the pages cover both provinces, and each read left an audit row
    assert _codes(no_purpose) == ErrorCode.PURPOSE_REQUIRED
    assert first.total_count == second.total_count == 2 and first.has_next_page and not second.has_next_page
    assert {first.items[0].number, second.items[0].number} == {yc.number, tc.number}
    assert len(audits) == 2
    assert audits[0].actor_id == regulator.pk and audits[0].data["purpose"] == "投诉核查 2026-118"
    assert set(audits[0].data["provinces"]) == {"yunnan", "tianjin"}


def _registration(tenant: Any, username: str, *, index: int, exam_in_days: int = 30) -> Any:
    setup = make_plan(tenant, exam_in_days=exam_in_days)
    candidate, _ = make_candidate(tenant, username, index=index)
    with province_scope(tenant):
        return setup, candidate, registration_submit(
            actor=candidate, choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk),
            pledge_accepted=True,
        )


def test_statistics_equal_the_sum_of_per_province_answers_and_export_matches(yunnan: Any, tianjin: Any) -> None:
    # Given registrations and certificates in both provinces
    for tenant, prefix in ((yunnan, "yn"), (tianjin, "tj")):
        _registration(tenant, f"{prefix}_c1", index=1)
        _registration(tenant, f"{prefix}_c2", index=2)
        holder, _ = make_account(tenant, username=f"{prefix}_h", roles=[Role.CANDIDATE])
        issue_certificate(tenant, holder)
    regulator, _ = make_regulator("reg_all")
    today = timezone.localdate()
    with national_scope():
        # When asking for both provinces, then each alone
        both = statistics_across(actor=regulator, date_from=today - timedelta(days=1), date_to=today)
        alone = [statistics_across(actor=regulator, date_from=today - timedelta(days=1), date_to=today,
                                   provinces=[slug])[0] for slug in ("yunnan", "tianjin")]
        with pytest.raises(DomainError) as bad_range:
            statistics_across(actor=regulator, date_from=today, date_to=today - timedelta(days=1))
    # Then every province row equals its own answer and the total row is their sum
    rows = {r.province.slug: r for r in both if r.province}
    for one in alone:
        assert rows[one.province.slug].counts == one.counts  # type: ignore[union-attr]
    total = both[-1]
    assert total.province is None
    assert total.counts["registrations"] == 4 and total.counts["certificates_issued"] == 2
    for key, value in total.counts.items():
        assert value == sum(r.counts[key] for r in rows.values())
    assert _codes(bad_range) == ErrorCode.DATE_RANGE_INVALID
    # And the Excel export opens with openpyxl and holds the same columns and numbers
    book = load_workbook(BytesIO(write_xlsx(statistics_rows(both), headers=STATISTICS_COLUMNS)))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(STATISTICS_COLUMNS.values())
    assert values[-1][0] == "全国合计" and values[-1][1] == 4


def _move_one(yunnan: Any, tianjin: Any, number: str, done: threading.Event) -> None:
    """Another session moves a certificate from Yunnan to Tianjin in one committed transaction."""
    from django.db import transaction

    try:
        with transaction.atomic():
            with province_scope(yunnan):
                Certificate.objects.filter(number=number).update(status=Certificate.Status.TRANSFERRED)
            with province_scope(tianjin):
                holder, _ = make_account(tianjin, username=f"moved_{number[-6:]}", roles=[Role.CANDIDATE])
                issue_certificate(tianjin, holder, category_code="GJC")
    finally:
        connections.close_all()
        done.set()


def _counts_with_a_move_between_provinces(yunnan: Any, tianjin: Any, number: str, *, snapshot: bool) -> dict[str, Any]:
    moved = threading.Event()

    def read(province: Any) -> dict[str, int]:
        counts = dict(Certificate.objects.order_by().values_list("status").annotate(n=Count("id")))
        if province.slug == "yunnan" and not moved.is_set():
            # A concurrent write commits between the two provinces' reads
            threading.Thread(target=_move_one, args=(yunnan, tianjin, number, moved)).start()
            assert moved.wait(30)
        return counts

    ordered = [yunnan, tianjin]
    with national_scope():
        if snapshot:
            with national_snapshot():
                per = each_province(ordered, read)
        else:
            per = each_province(ordered, read)
    return {p.slug: c for p, c in per}


def test_one_snapshot_a_concurrent_move_cannot_make_totals_inconsistent(yunnan: Any, tianjin: Any) -> None:
    # Given 3 valid certificates in Yunnan and none in Tianjin
    holder, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    certs = [issue_certificate(yunnan, holder, category_code=code) for code in ("GJA", "GJB", "GJC")]
    # When a certificate moves Yunnan → Tianjin between the reads of the two provinces, inside one snapshot
    seen = _counts_with_a_move_between_provinces(yunnan, tianjin, certs[0].number, snapshot=True)
    # Then the answer is one moment: 3 valid in Yunnan, nothing in Tianjin (the move is not half-seen)
    assert seen["yunnan"].get("valid") == 3 and seen["tianjin"].get("valid", 0) == 0
    # And the move did commit: the next national answer sees it whole (2 + 1, one transferred)
    with national_scope():
        answer = certificates_by_status_in([yunnan, tianjin])
    rows = {r.province.slug if r.province else "total": r.counts for r in answer}
    assert rows["yunnan"]["valid"] == 2 and rows["yunnan"]["transferred"] == 1 and rows["tianjin"]["valid"] == 1
    # Control: read province by province without the snapshot, the same move is half-seen (4 valid in total)
    torn = _counts_with_a_move_between_provinces(yunnan, tianjin, certs[1].number, snapshot=False)
    assert torn["yunnan"].get("valid") == 2 and torn["tianjin"].get("valid") == 2


def test_person_across_provinces_is_audited_and_needs_a_purpose(yunnan: Any, tianjin: Any) -> None:
    # Given one ID number with a certificate in Yunnan and a bound account in Tianjin
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    issue_certificate(yunnan, yh, id_number=PERSON)
    make_account(tianjin, username="tj_person", roles=[Role.CANDIDATE], id_number=PERSON, real_name="张三明")
    regional, _ = make_regulator("reg_yn", provinces=["yunnan"])
    national, _ = make_regulator("reg_all")
    with national_scope():
        # When the national regulator looks the person up, and without a purpose
        with pytest.raises(DomainError) as no_purpose:
            person_across(actor=national, id_number=PERSON, purpose="")
        found = person_across(actor=national, id_number=PERSON, purpose="跨省核查身份")
        regional_view = person_across(actor=regional, id_number=PERSON, purpose="跨省核查身份")
        audits = AuditEntry.objects.filter(action="regulator_read_person").count()
    # Then both provinces answer for the national one, only Yunnan for the regional one, each read audited
    assert _codes(no_purpose) == ErrorCode.PURPOSE_REQUIRED
    by_slug = {p.province.slug: p for p in found}
    assert [c.holder_id_number for c in by_slug["yunnan"].certificates] == [PERSON]
    assert [a.username for a in by_slug["tianjin"].accounts] == ["tj_person"]
    assert [p.province.slug for p in regional_view] == ["yunnan"]
    assert audits == 2


def test_duplicates_found_once_and_resolved_when_gone(yunnan: Any, tianjin: Any) -> None:
    # Given one ID number holding the same category valid in both provinces
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    th, _ = make_account(tianjin, username="tj_h", roles=[Role.CANDIDATE])
    issue_certificate(yunnan, yh, id_number=PERSON)
    tc = issue_certificate(tianjin, th, id_number=PERSON)
    # And one candidate (same generated ID number in both provinces) registered for exams at the same hour
    _registration(yunnan, "yn_cand", index=7)
    _registration(tianjin, "tj_cand", index=7)
    with national_scope():
        # When the job runs twice
        first = duplicates_detect()
        again = duplicates_detect()
        kinds = sorted(f.kind for f in DuplicateFinding.objects.filter(resolved_at__isnull=True))
    # Then both conflicts are found once, naming both provinces
    assert sorted(f.kind for f in first) == ["conflicting_certificates", "overlapping_exams"]
    assert again == [] and kinds == ["conflicting_certificates", "overlapping_exams"]
    assert all(set(f.provinces) == {"yunnan", "tianjin"} for f in first)
    # When the Tianjin certificate is cancelled and the job runs again, the certificate finding is resolved
    with province_scope(tianjin):
        Certificate.objects.filter(pk=tc.pk).update(status=Certificate.Status.CANCELLED)
    with national_scope():
        duplicates_detect()
        open_kinds = sorted(f.kind for f in DuplicateFinding.objects.filter(resolved_at__isnull=True))
    assert open_kinds == ["overlapping_exams"]


def test_review_load_and_dashboard_count_waiting_and_overdue_requests(yunnan: Any, tianjin: Any) -> None:
    # Given one pending registration in Yunnan and an approved one in Tianjin
    _registration(yunnan, "yn_c", index=1)
    setup = make_plan(tianjin)
    candidate, _ = make_candidate(tianjin, "tj_c", index=2)
    (site, _), (exam, _) = reviewers(tianjin)
    with province_scope(tianjin):
        approved_registration(setup, candidate, site, exam)
    regulator, _ = make_regulator("reg_all")
    with national_scope():
        # When the regulator reads the service-level view and the dashboard
        load = review_load_across(actor=regulator, request_type="registration")
        board = dashboard_counters(actor=regulator)
    # Then Yunnan has one waiting (not overdue), Tianjin none; the totals agree
    waiting = {(r.province.slug if r.province else "total"): r.count for r in load if r.state == "submitted"}
    assert waiting["yunnan"] == 1 and waiting["tianjin"] == 0 and waiting["total"] == 1
    by_slug = {(r.province.slug if r.province else "total"): r for r in board}
    assert by_slug["yunnan"].pending_reviews == 1 and by_slug["tianjin"].pending_reviews == 0
    assert by_slug["total"].overdue_requests == 0
    assert by_slug["total"].open_seats == by_slug["yunnan"].open_seats + by_slug["tianjin"].open_seats
    assert by_slug["tianjin"].open_seats == 9  # 10 seats, one taken by the approved registration


def test_public_national_plan_search_lists_open_plans_of_every_province(yunnan: Any, tianjin: Any) -> None:
    # Given an open plan in each province and a closed one in Yunnan
    make_plan(yunnan, name="云南开放")
    make_plan(tianjin, name="天津开放", region="天津市")
    make_plan(yunnan, name="云南已截止", open_window=False)
    with national_scope():
        # When anyone lists open plans nationally, and for Tianjin only
        everything = open_exam_plans_public()
        tianjin_only = open_exam_plans_public(provinces=["tianjin"])
    # Then both open plans show with the province to register in; the closed one does not
    listed = sorted((p.province.slug, p.name) for p in everything.items)
    assert listed == [("tianjin", "天津开放"), ("yunnan", "云南开放")]
    assert [p.name for p in tianjin_only.items] == ["天津开放"]
    assert everything.items[0].remaining == 10


def test_certificate_filter_by_expiry_range(yunnan: Any) -> None:
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    old = issue_certificate(yunnan, yh, valid_from=date(2024, 1, 1))
    issue_certificate(yunnan, yh, valid_from=date(2025, 6, 1), category_code="GJA")
    regulator, _ = make_regulator("reg_all")
    with national_scope():
        page = certificate_search(
            actor=regulator, purpose="到期核查", filters=CertificateFilter(
                valid_until_from=date(2026, 12, 1), valid_until_to=date(2027, 1, 31)),
        )
    assert [c.number for c in page.items] == [old.number]
