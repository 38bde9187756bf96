"""An approved registration with its admission ticket, the candidate's photo in storage, and exam-site staff."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accounts.models import Role, User
from exams.models import Registration
from exams.tickets import AdmissionTicket, admission_ticket_get
from profiles.models import Attachment
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.files import jpeg


@dataclass
class TicketScene:
    registration: Registration
    ticket: AdmissionTicket
    staff: User  # site reviewer, password tests.support.auth.PASSWORD
    candidate: User
    photo: bytes


def ticket_scene(tenant: Any, storage_root: Path, *, prefix: str = "tc", request: Any = None) -> TicketScene:
    setup = make_plan(tenant, capacity=5)
    (site, _), (exam, _) = reviewers(tenant, prefix)
    candidate, _ = make_candidate(tenant, f"{prefix}_candidate", index=57)
    staff, _ = make_account(tenant, username=f"{prefix}_staff", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    photo = jpeg((90, 120))
    with province_scope(tenant):
        avatar = Attachment.objects.get(profile__user=candidate, kind=Attachment.Kind.AVATAR)
        path = storage_root / tenant.schema_name / avatar.storage_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(photo)
        Attachment.objects.filter(pk=avatar.pk).update(content_type="image/jpeg")
        registration = approved_registration(setup, candidate, site, exam)
        ticket = admission_ticket_get(actor=candidate, registration_id=registration.pk, request=request)
    return TicketScene(registration=registration, ticket=ticket, staff=staff, candidate=candidate, photo=photo)
