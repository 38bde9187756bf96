"""Driver qualification certificates (seed 002, 道路运输从业资格证): applications, training institutions and
records, fees, exam slots and bookings.

An application is a reviewable (material pre-review 材料预审 at stage 1, qualification review 资格初审 at stage
2). After review it moves through its own small state machine (`progress`, see `drivers.progress`): fee due
→ exams → licence approval → issued (passenger), or straight to licence approval (freight).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from accounts.models import Role
from reviews.models import Reviewable, ReviewState
from reviews.registry import register_reviewable

if TYPE_CHECKING:
    from reviews.states import Transition


class DriverCategory(models.TextChoices):
    PASSENGER = "passenger", "经营性道路旅客运输驾驶员"
    FREIGHT = "freight", "经营性道路货物运输驾驶员"


class ApplicationKind(models.TextChoices):
    FIRST_ISSUE = "first_issue", "资格证初领"
    ADDED_CLASS = "added_class", "资格证增驾"


class TrainingMode(models.TextChoices):
    SELF_STUDY = "self_study", "自主学习"
    INSTITUTION = "institution", "培训机构学习"


class PickupMethod(models.TextChoices):
    SELF_PICKUP = "self_pickup", "自取"
    MAIL = "mail", "邮寄"


class ExamSubject(models.TextChoices):
    THEORY = "theory", "理论"
    PRACTICAL = "practical", "实操"


class Progress(models.TextChoices):
    REVIEW = "review", "资料审核中"
    FEE_DUE = "fee_due", "待缴考试费"
    EXAMS = "exams", "考试中"
    LICENCE_PENDING = "licence_pending", "待许可审批"
    LICENCE_APPROVED = "licence_approved", "许可审批通过"
    LICENCE_REFUSED = "licence_refused", "许可审批不通过"
    ISSUED = "issued", "已发证"


# Licence classes (准驾车型) of the Chinese driving licence; freight drivers need A1, A2 or B2.
LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P")
FREIGHT_LICENCE_CLASSES = ("A1", "A2", "B2")


class TrainingInstitution(models.Model):
    """培训机构: the province's list applicants choose from; staff manage it (back office)."""

    name = models.CharField("名称", max_length=200, unique=True)
    address = models.CharField("地址", max_length=300, blank=True)
    phone = models.CharField("电话", max_length=32, blank=True)
    active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingRecord(models.Model):
    """结业证: a local training-completion record (freight), imported by staff; invalid ones are never shown."""

    certificate_number = models.CharField("结业证号", max_length=64, unique=True)
    id_number = models.CharField("身份证号", max_length=32, db_index=True)
    name = models.CharField("姓名", max_length=100)
    licence_class = models.CharField("准驾车型", max_length=4)
    institution = models.ForeignKey(TrainingInstitution, on_delete=models.PROTECT, related_name="records")
    started_on = models.DateField("培训起始日期")
    finished_on = models.DateField("培训结束日期")
    issued_on = models.DateField("结业证发放日期")
    valid = models.BooleanField("有效", default=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.certificate_number


class ConsentRecord(models.Model):
    """Consent to the service agreement and privacy policy, with the version accepted (seed 002 registration)."""

    class Document(models.TextChoices):
        SERVICE_AGREEMENT = "service_agreement", "政务交通用户服务协议"
        PRIVACY_POLICY = "privacy_policy", "隐私政策"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(max_length=32, choices=Document.choices)
    version = models.CharField(max_length=32)
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document", "version"], name="one_consent_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.document} {self.version}"


@register_reviewable
class DriverApplication(Reviewable):
    """从业申请: a passenger or freight driver's application, every field of seed 002."""

    REQUEST_TYPE = "driver_application"
    # 03 材料预审 (first-level reviewers), 04 资格初审 (review department).
    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ((Role.SITE_REVIEWER,), (Role.REVIEW_DEPARTMENT,))
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ("applicant__username", "name", "id_number", "phone")

    category = models.CharField("从业类别", max_length=16, choices=DriverCategory.choices)
    kind = models.CharField("申请类型", max_length=16, choices=ApplicationKind.choices)
    notice_accepted_at = models.DateTimeField("申请须知同意时间")
    # Personal data.
    name = models.CharField("姓名", max_length=100)
    household_elsewhere = models.BooleanField("户口是否异地", default=False)
    id_authority = models.CharField("身份证发证机关", max_length=100)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    gender = models.CharField("性别", max_length=8)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=16)
    education = models.CharField("文化程度", max_length=32)
    political_status = models.CharField("政治面貌", max_length=32)
    previous_job = models.CharField("岗前职业", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=11)
    # Driving licence.
    licence_elsewhere = models.BooleanField("驾驶证是否异地", default=False)
    licence_authority = models.CharField("驾驶证发证机关", max_length=100)
    file_number = models.CharField("档案编号", max_length=32)
    licence_classes = ArrayField(models.CharField(max_length=4), verbose_name="准驾车型")
    licence_first_issued_on = models.DateField("初领日期")
    licence_issued_on = models.DateField("发证日期")
    licence_validity_years = models.PositiveSmallIntegerField("有效期(年)")
    household_address = models.CharField("户籍地址", max_length=300)
    current_address = models.CharField("现住地址", max_length=300)
    pickup_method = models.CharField("领证方式", max_length=16, choices=PickupMethod.choices)
    # Eligibility (passenger): no major-liability accident in 3 years, declared with its proof.
    no_major_accident_declared = models.BooleanField("三年内无重大以上交通责任事故", default=False)
    # Training: self-study or an institution of the province's list (passenger); freight: the class trained
    # for and its completion certificate, local (a record) or from elsewhere (a scan among the attachments).
    training_mode = models.CharField("培训方式", max_length=16, choices=TrainingMode.choices, blank=True)
    institution = models.ForeignKey(
        TrainingInstitution, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    freight_class = models.CharField("货运准驾车型", max_length=4, blank=True)
    training_elsewhere = models.BooleanField("结业证是否异地", default=False)
    training_record = models.ForeignKey(
        TrainingRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )

    # After review (drivers.progress is the only writer of `progress`).
    progress = models.CharField(max_length=20, choices=Progress.choices, default=Progress.REVIEW)
    prereviewed_at = models.DateTimeField("材料预审通过时间", null=True, blank=True)
    fee_paid_at = models.DateTimeField("考试费交纳时间", null=True, blank=True)
    theory_attempts_paid = models.PositiveSmallIntegerField(default=0)
    theory_attempts_used = models.PositiveSmallIntegerField(default=0)
    theory_passed_at = models.DateTimeField(null=True, blank=True)
    practical_attempts_paid = models.PositiveSmallIntegerField(default=0)
    practical_attempts_used = models.PositiveSmallIntegerField(default=0)
    practical_passed_at = models.DateTimeField(null=True, blank=True)
    licence_decided_at = models.DateTimeField("许可审批时间", null=True, blank=True)
    licence_opinion = models.TextField("许可审批意见", blank=True)
    issued_at = models.DateTimeField("发证时间", null=True, blank=True)
    certificate = models.OneToOneField(
        "certificates.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="driver_application"
    )
    certificate_class = models.CharField("资格证准驾类别", max_length=32, blank=True)
    pickup_instructions = models.TextField("领证须知", blank=True)
    progress_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live application per person and category (a withdrawn one does not count).
            models.UniqueConstraint(
                fields=["applicant", "category"],
                condition=~Q(state__in=[ReviewState.WITHDRAWN.value, ReviewState.EXPIRED.value])
                & ~Q(progress__in=["issued", "licence_refused"]),
                name="one_live_driver_application_per_category",
            ),
            models.CheckConstraint(
                condition=Q(theory_attempts_used__lte=models.F("theory_attempts_paid"))
                & Q(practical_attempts_used__lte=models.F("practical_attempts_paid")),
                name="driver_attempts_never_overused",
            ),
        ]

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from drivers.services import driver_application_on_review

        return driver_application_on_review(application=self, transition=transition, actor=actor)

    def review_summary(self) -> str:
        return f"{self.get_category_display()} · {self.get_kind_display()} · {self.name}"

    def attempts(self, subject: str) -> tuple[int, int, bool]:
        """(paid, used, passed) for an exam subject."""
        if subject == ExamSubject.THEORY:
            return self.theory_attempts_paid, self.theory_attempts_used, self.theory_passed_at is not None
        return self.practical_attempts_paid, self.practical_attempts_used, self.practical_passed_at is not None


class DriverAttachment(models.Model):
    """附件: an uploaded document (profiles.Document: jpg/png judged by content, or PDF) in its role."""

    class Kind(models.TextChoices):
        ID_FRONT = "id_front", "身份证原件正面"
        ID_BACK = "id_back", "身份证原件反面"
        DRIVING_LICENCE = "driving_licence", "驾驶证原件"
        NO_ACCIDENT_PROOF = "no_accident_proof", "三年无事故证明"
        PHOTO = "photo", "近期免冠白底照片"
        TRAINING_CERTIFICATE = "training_certificate", "结业证原件"
        # 增驾: the certificate already held, the spread with its QR code and validity (原资格证照片).
        ORIGINAL_CERTIFICATE = "original_certificate", "原资格证照片"
        OTHER = "other", "其他材料"

    application = models.ForeignKey(DriverApplication, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    document = models.ForeignKey("profiles.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} of driver application {self.application_id}"


class PaymentOrder(models.Model):
    """考试缴费: one order of the initial fee (133 yuan: two attempts of each subject) or of retakes."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "考试费"
        RETAKE = "retake", "补考费"

    class Status(models.TextChoices):
        PENDING = "pending", "待支付"
        PAID = "paid", "已支付"
        CANCELLED = "cancelled", "已取消"

    application = models.ForeignKey(DriverApplication, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    out_trade_no = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    theory_attempts = models.PositiveSmallIntegerField(default=0)
    practical_attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=16)
    qr_payload = models.CharField(max_length=500)
    provider_transaction_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="pending"), name="one_pending_order_per_application"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(kind="initial", status="paid"),
                name="one_paid_initial_fee_per_application",
            ),
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="order_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.amount} ({self.status})"


class PaymentCallback(models.Model):
    """Every provider notification received, verified or not, and what was done with it."""

    provider = models.CharField(max_length=16)
    out_trade_no = models.CharField(max_length=40, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    signature_valid = models.BooleanField()
    outcome = models.CharField(max_length=40)  # "paid", "duplicate", or the refusal's error code
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.out_trade_no} → {self.outcome}"


class ExamSlot(models.Model):
    """考场信息: an exam slot of one subject with a planned capacity (计划人数) and a booked count (已预约人数).

    `booked` is a counter that is never oversold: one conditional UPDATE … WHERE booked < capacity takes a
    place (drivers.slots), and the CHECK constraint backs it.
    """

    subject = models.CharField(max_length=16, choices=ExamSubject.choices)
    site_name = models.CharField("考场名称", max_length=200)
    address = models.CharField("地址", max_length=300, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField("计划人数")
    booked = models.PositiveIntegerField("已预约人数", default=0)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=models.F("capacity")), name="exam_slot_never_oversold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_name} {self.starts_at:%Y-%m-%d %H:%M} ({self.subject})"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


class ExamBooking(models.Model):
    """考试预约: one attempt of one subject in one slot. A no-show (失约) uses the attempt like a score."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        SCORED = "scored", "已考试"
        NO_SHOW = "no_show", "考试失约"
        CANCELLED = "cancelled", "已取消"

    application = models.ForeignKey(DriverApplication, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(ExamSlot, on_delete=models.PROTECT, related_name="bookings")
    subject = models.CharField(max_length=16, choices=ExamSubject.choices)
    attempt = models.PositiveSmallIntegerField("第几次考试")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subject"], condition=Q(status="booked"), name="one_open_booking_per_subject"
            ),
            models.UniqueConstraint(
                fields=["application", "subject", "attempt"], condition=~Q(status="cancelled"),
                name="one_booking_per_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} attempt {self.attempt} of {self.application_id} ({self.status})"
