"""National writes: regulator accounts (by a national administrator) and cross-province duplicate findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.validators import validate_password, validate_real_name, validate_username
from certificates.models import Certificate
from core.errors import DomainError, ErrorCode
from core.services import audit_record
from exams.models import ACTIVE_REGISTRATION_STATES
from national.models import DuplicateFinding, RegulatorScope
from national.selectors import each_province, national_snapshot, registrations_with_person
from subscriptions.publish import publish_after_commit
from tenants.context import current_scope
from tenants.models import Province

DUPLICATES_TOPIC = "national.duplicates"


def _require_national_scope() -> None:
    scope = current_scope()
    if scope is None or not scope.is_national:
        raise DomainError(ErrorCode.NOT_REGULATOR)


def regulator_create(
    *,
    actor: Any | None,
    username: str,
    password: str,
    real_name: str,
    provinces: Sequence[str] = (),
) -> User:
    """A regulator account in the national scope: national (no provinces) or regional (a set of them).

    `actor` is the national administrator (a superuser of the national back office) or None for the
    management command run by an operator.
    """
    _require_national_scope()
    if actor is not None and not (getattr(actor, "is_superuser", False)):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    name = validate_username(username)
    validate_password(password)
    real = validate_real_name(real_name)
    slugs = sorted({s.strip().lower() for s in provinces if s and s.strip()})
    known = set(Province.objects.filter(kind=Province.Kind.PROVINCE, slug__in=slugs).values_list("slug", flat=True))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise DomainError(ErrorCode.PROVINCE_NOT_FOUND, field="provinces", params={"provinces": unknown})
    with transaction.atomic():
        if User.objects.filter(username=name).exists():
            raise DomainError(ErrorCode.USERNAME_TAKEN, field="username")
        user = User(username=name, real_name=real, kind=User.Kind.STAFF, roles=[Role.NATIONAL_REGULATOR])
        user.set_password(password)
        user.must_change_password = True
        user.save()
        scope = RegulatorScope.objects.create(
            user=user, provinces=slugs, created_by=str(getattr(actor, "username", "") or "operator")
        )
        audit_record(actor=actor, action="regulator_create", target=user, data={"provinces": scope.provinces})
    return user


@dataclass(frozen=True)
class Sighting:
    """One ID number's active exam seat or valid certificate in one province."""

    province: str
    what: str  # session window or category code
    label: str
    starts_at: str = ""
    ends_at: str = ""


def _overlapping(a: Sighting, b: Sighting) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _read_sightings(_province: Province) -> tuple[list[tuple[str, Sighting]], list[tuple[str, Sighting]]]:
    slug = _province.slug
    exams = [
        (r.person_id_number, Sighting(province=slug, what=f"{slug}:{r.session_id}",
                                      label=f"{r.plan.name} · {r.subject.name} · {r.session.name}",
                                      starts_at=r.session.starts_at.isoformat(), ends_at=r.session.ends_at.isoformat()))
        for r in registrations_with_person().filter(state__in=ACTIVE_REGISTRATION_STATES)
        if r.person_id_number
    ]
    certificates = [
        (c.holder_id_number, Sighting(province=slug, what=c.category.code, label=f"{c.number} {c.category.name}"))
        for c in Certificate.objects.select_related("category").filter(status=Certificate.Status.VALID)
    ]
    return exams, certificates


def duplicates_detect() -> list[DuplicateFinding]:
    """Find, across every active province in one snapshot, ID numbers registered for overlapping exams in two
    provinces and the same certificate category valid in two provinces. New findings are stored and
    announced live to regulators; known ones are refreshed; ones that no longer hold are resolved.
    Idempotent: run it as a job (`manage.py duplicates_detect`)."""
    _require_national_scope()
    provinces = list(Province.objects.filter(kind=Province.Kind.PROVINCE, is_active=True).order_by("code"))
    with national_snapshot():
        per = each_province(provinces, _read_sightings)
    exams: dict[str, list[Sighting]] = defaultdict(list)
    certificates: dict[str, list[Sighting]] = defaultdict(list)
    for _province, (exam_rows, certificate_rows) in per:
        for id_number, sighting in exam_rows:
            exams[id_number].append(sighting)
        for id_number, sighting in certificate_rows:
            certificates[id_number].append(sighting)

    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for id_number, seen in exams.items():
        for i, a in enumerate(seen):
            for b in seen[i + 1:]:
                if a.province != b.province and _overlapping(a, b):
                    first, second = sorted((a, b), key=lambda s: s.what)
                    found[(DuplicateFinding.Kind.OVERLAPPING_EXAMS, id_number, f"{first.what}|{second.what}")] = {
                        "provinces": sorted({a.province, b.province}),
                        "details": {"items": [vars(first), vars(second)]},
                    }
    for id_number, seen in certificates.items():
        by_category: dict[str, list[Sighting]] = defaultdict(list)
        for s in seen:
            by_category[s.what].append(s)
        for category, items in by_category.items():
            if len({s.province for s in items}) > 1:
                found[(DuplicateFinding.Kind.CONFLICTING_CERTIFICATES, id_number, category)] = {
                    "provinces": sorted({s.province for s in items}),
                    "details": {"items": [vars(s) for s in sorted(items, key=lambda s: (s.province, s.label))]},
                }

    now = timezone.now()
    new: list[DuplicateFinding] = []
    with transaction.atomic():
        open_findings = {(f.kind, f.id_number, f.key): f for f in DuplicateFinding.objects.select_for_update()
                         .filter(resolved_at__isnull=True)}
        for (kind, id_number, key), data in found.items():
            existing = open_findings.pop((kind, id_number, key), None)
            if existing is not None:
                existing.provinces, existing.details = data["provinces"], data["details"]
                existing.save(update_fields=["provinces", "details", "last_seen_at"])
                continue
            finding, _created = DuplicateFinding.objects.update_or_create(
                kind=kind, id_number=id_number, key=key,
                defaults={"provinces": data["provinces"], "details": data["details"], "resolved_at": None},
            )
            new.append(finding)
        for stale in open_findings.values():
            stale.resolved_at = now
            stale.save(update_fields=["resolved_at", "last_seen_at"])
        for finding in new:
            audit_record(actor=None, action="duplicate_found", target=finding,
                         data={"kind": finding.kind, "provinces": finding.provinces})
            publish_after_commit(topic=DUPLICATES_TOPIC, event={
                "id": finding.pk, "kind": finding.kind, "provinces": finding.provinces,
                "firstSeenAt": (finding.first_seen_at or now).isoformat(),
            })
    return new
