"""Reads of the driver qualification certificate (seed 002)."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.conf import settings
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from core.errors import DomainError
from drivers import selectors
from drivers.models import DriverApplication, ExamBooking, ExamSlot
from schema.accounts.auth import require_actor
from schema.base import coded_error
from schema.drivers.types import (
    DriverApplicationType,
    DriverExamSubject,
    DriverProgress,
    ExamBookingType,
    ExamSlotType,
    TrainingInstitutionType,
    TrainingRecordType,
)
from schema.exams.queries import id_arg, one
from schema.reviews.types import enum_value


@strawberry.type
class DriverQuery:
    @strawberry.field(description="The version of the service agreement and privacy policy to accept at registration.")
    def driver_consent_version(self) -> str:
        return str(settings.DRIVER_CONSENT_VERSION)

    @strawberry_django.field(description="培训机构: the province's list to choose from (open to everyone).")
    def training_institutions(self) -> list[TrainingInstitutionType]:
        return selectors.training_institutions()  # type: ignore[return-value]

    @strawberry_django.field(
        description="查询结业信息 (freight): the caller's own valid local training certificates of a class "
        "(A1, A2, B2); invalid ones are never shown."
    )
    def training_record_lookup(self, info: strawberry.Info, licence_class: str) -> list[TrainingRecordType]:
        return selectors.training_record_lookup(  # type: ignore[return-value]
            actor=require_actor(info), licence_class=licence_class
        )

    @strawberry_django.connection(
        DjangoListConnection[DriverApplicationType],
        description="The caller's driver applications (申请进度), newest first, each with its timeline.",
    )
    def my_driver_applications(self, info: strawberry.Info) -> QuerySet[DriverApplication]:
        return selectors.my_driver_applications(actor=require_actor(info))

    @strawberry_django.field(description="One application: its applicant's own, or any for the staff handling them.")
    def driver_application(self, info: strawberry.Info, id: strawberry.ID) -> DriverApplicationType | None:
        require_actor(info)
        pk = id_arg(info, id, DriverApplicationType, "id")
        if pk is None:
            return None
        return one(info, DriverApplicationType.visible(DriverApplication.objects.filter(pk=pk), info))

    @strawberry_django.connection(
        DjangoListConnection[DriverApplicationType],
        description="Staff: applications by progress (e.g. LICENCE_PENDING for 许可审批), newest first.",
    )
    def driver_applications(
        self, info: strawberry.Info, progress: DriverProgress | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[DriverApplication]:
        try:
            return selectors.driver_applications_for_staff(actor=require_actor(info), progress=enum_value(progress))
        except DomainError as error:
            raise coded_error(info, error) from error

    @strawberry_django.connection(
        DjangoListConnection[ExamBookingType],
        description="考试预约: the caller's own bookings (of one application or slot if given); the staff who handle "
        "driver applications read any, e.g. a slot's bookings (考场名单). Soonest slot first.",
    )
    def driver_exam_bookings(
        self, info: strawberry.Info, application_id: strawberry.ID | None = None,
        slot_id: strawberry.ID | None = None,
    ) -> QuerySet[ExamBooking]:
        actor = require_actor(info)
        application = None if application_id is None else id_arg(
            info, application_id, DriverApplicationType, "applicationId")
        slot = None if slot_id is None else id_arg(info, slot_id, ExamSlotType, "slotId")
        if (application_id is not None and application is None) or (slot_id is not None and slot is None):
            return ExamBooking.objects.none()  # an ID of another province names nothing here
        try:
            return selectors.driver_exam_bookings(actor=actor, application_id=application, slot_id=slot)
        except DomainError as error:
            raise coded_error(info, error) from error

    @strawberry_django.connection(
        DjangoListConnection[ExamSlotType],
        description="考场信息: exam slots with planned capacity, booked count and remaining places, soonest first.",
    )
    def driver_exam_slots(
        self, subject: DriverExamSubject | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[ExamSlot]:
        return selectors.exam_slots(subject=enum_value(subject))

