"""The platform's error codes: expected failures are data, never exceptions that leak to GraphQL.

A service raises `DomainError(ErrorCode.X)`; the resolver turns it into a `UserError` in the mutation's
payload. Codes are stable API: clients and tests match on them, never on wording. Messages come in
Chinese and English; the resolver picks one by `Accept-Language`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class ErrorCode(StrEnum):
    # Generic
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"
    PROVINCE_NOT_FOUND = "PROVINCE_NOT_FOUND"
    PROVINCE_MISMATCH = "PROVINCE_MISMATCH"
    INVALID_STATE_TRANSITION = "INVALID_STATE_TRANSITION"
    CONCURRENT_UPDATE = "CONCURRENT_UPDATE"

    # Accounts (seeds 000, 002, 003)
    USERNAME_REQUIRED = "USERNAME_REQUIRED"
    USERNAME_TOO_SHORT = "USERNAME_TOO_SHORT"
    USERNAME_TOO_LONG = "USERNAME_TOO_LONG"
    USERNAME_INVALID_CHARACTERS = "USERNAME_INVALID_CHARACTERS"
    USERNAME_STARTS_WITH_DIGIT = "USERNAME_STARTS_WITH_DIGIT"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    PASSWORD_INVALID_CHARACTERS = "PASSWORD_INVALID_CHARACTERS"
    PASSWORD_MISMATCH = "PASSWORD_MISMATCH"
    PASSWORD_WRONG = "PASSWORD_WRONG"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"
    PASSWORD_SAME_AS_OLD = "PASSWORD_SAME_AS_OLD"
    PHONE_INVALID = "PHONE_INVALID"
    PHONE_TAKEN = "PHONE_TAKEN"
    EMAIL_INVALID = "EMAIL_INVALID"
    VERIFICATION_CODE_INVALID = "VERIFICATION_CODE_INVALID"
    VERIFICATION_CODE_EXPIRED = "VERIFICATION_CODE_EXPIRED"
    VERIFICATION_CODE_RESEND_TOO_SOON = "VERIFICATION_CODE_RESEND_TOO_SOON"
    VERIFICATION_CODE_TOO_MANY_ATTEMPTS = "VERIFICATION_CODE_TOO_MANY_ATTEMPTS"
    CAPTCHA_INVALID = "CAPTCHA_INVALID"
    CAPTCHA_EXPIRED = "CAPTCHA_EXPIRED"
    LOGIN_FAILED = "LOGIN_FAILED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    ROLE_NOT_HELD = "ROLE_NOT_HELD"
    ID_NUMBER_INVALID = "ID_NUMBER_INVALID"
    ID_NUMBER_TAKEN = "ID_NUMBER_TAKEN"
    CREDIT_CODE_INVALID = "CREDIT_CODE_INVALID"
    REAL_NAME_INVALID = "REAL_NAME_INVALID"
    IMPORT_FILE_INVALID = "IMPORT_FILE_INVALID"
    LOGIN_ADDRESS_LOCKED = "LOGIN_ADDRESS_LOCKED"
    CREDIT_CODE_TAKEN = "CREDIT_CODE_TAKEN"
    ACCOUNT_NOT_ENTERPRISE = "ACCOUNT_NOT_ENTERPRISE"
    RECOVERY_INVALID = "RECOVERY_INVALID"
    CONTACT_NOT_AVAILABLE = "CONTACT_NOT_AVAILABLE"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    ID_NUMBER_PROFILE_MISMATCH = "ID_NUMBER_PROFILE_MISMATCH"
    EMAIL_TAKEN = "EMAIL_TAKEN"

    # Candidate profile and uploads (seeds 000, 003)
    ID_NUMBER_BIRTH_DATE_MISMATCH = "ID_NUMBER_BIRTH_DATE_MISMATCH"
    ID_NUMBER_GENDER_MISMATCH = "ID_NUMBER_GENDER_MISMATCH"
    ETHNICITY_INVALID = "ETHNICITY_INVALID"
    POSTCODE_INVALID = "POSTCODE_INVALID"
    PROFILE_INCOMPLETE = "PROFILE_INCOMPLETE"
    PROFILE_FIELD_ON_CERTIFICATE = "PROFILE_FIELD_ON_CERTIFICATE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_EMPTY = "FILE_EMPTY"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    FILE_EXTENSION_MISMATCH = "FILE_EXTENSION_MISMATCH"
    IMAGE_UNREADABLE = "IMAGE_UNREADABLE"
    IMAGE_TOO_MANY_PIXELS = "IMAGE_TOO_MANY_PIXELS"
    IMAGE_TOO_SMALL = "IMAGE_TOO_SMALL"
    REQUEST_BODY_TOO_LARGE = "REQUEST_BODY_TOO_LARGE"
    DOWNLOAD_LINK_INVALID = "DOWNLOAD_LINK_INVALID"

    # Exams (seeds 000, 003)
    PLEDGE_NOT_ACCEPTED = "PLEDGE_NOT_ACCEPTED"
    REGISTRATION_WINDOW_CLOSED = "REGISTRATION_WINDOW_CLOSED"
    REGISTRATION_DUPLICATE = "REGISTRATION_DUPLICATE"
    SESSION_FULL = "SESSION_FULL"
    SESSION_NOT_IN_PLAN = "SESSION_NOT_IN_PLAN"
    SUBJECT_NOT_IN_PLAN = "SUBJECT_NOT_IN_PLAN"
    REVIEW_DEADLINE_PASSED = "REVIEW_DEADLINE_PASSED"
    REVIEWER_ALREADY_ACTED = "REVIEWER_ALREADY_ACTED"
    OPINION_REQUIRED = "OPINION_REQUIRED"
    TICKET_NOT_AVAILABLE = "TICKET_NOT_AVAILABLE"
    TICKET_INVALID = "TICKET_INVALID"
    SCORE_INVALID = "SCORE_INVALID"
    # Exams, issue 14 (staff maintenance, terms, materials, results)
    SESSION_CAPACITY_BELOW_TAKEN = "SESSION_CAPACITY_BELOW_TAKEN"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    PLAN_CANCELLED = "PLAN_CANCELLED"
    SITE_CANCELLED = "SITE_CANCELLED"
    SITE_IN_USE = "SITE_IN_USE"
    TERMS_VERSION_STALE = "TERMS_VERSION_STALE"
    SCORES_NOT_PUBLISHED = "SCORES_NOT_PUBLISHED"

    # Certificates (seeds 000, 001, 003)
    CERTIFICATE_NOT_ELIGIBLE = "CERTIFICATE_NOT_ELIGIBLE"
    PUBLICITY_PERIOD_NOT_OVER = "PUBLICITY_PERIOD_NOT_OVER"
    CERTIFICATE_INVALID_STATE = "CERTIFICATE_INVALID_STATE"
    RENEWAL_WINDOW_NOT_OPEN = "RENEWAL_WINDOW_NOT_OPEN"
    RENEWAL_WINDOW_CLOSED = "RENEWAL_WINDOW_CLOSED"
    REQUEST_ALREADY_PENDING = "REQUEST_ALREADY_PENDING"
    EXPLANATION_TOO_LONG = "EXPLANATION_TOO_LONG"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    MATERIALS_MISSING = "MATERIALS_MISSING"
    EXPLANATION_REQUIRED = "EXPLANATION_REQUIRED"
    PERSONAL_DATA_UNCHANGED = "PERSONAL_DATA_UNCHANGED"

    # National regulators (issue 11)
    NOT_REGULATOR = "NOT_REGULATOR"
    PROVINCE_NOT_IN_SCOPE = "PROVINCE_NOT_IN_SCOPE"
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    DATE_RANGE_INVALID = "DATE_RANGE_INVALID"

    # One graph (issue 10): scopes of root fields, global IDs
    PROVINCE_SCOPE_ONLY = "PROVINCE_SCOPE_ONLY"
    NATIONAL_SCOPE_ONLY = "NATIONAL_SCOPE_ONLY"
    BAD_ID = "BAD_ID"
    # Hardening (issue 17)
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    OPERATION_COST_EXCEEDED = "OPERATION_COST_EXCEEDED"
    BAD_REQUEST = "BAD_REQUEST"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    CSRF_FAILED = "CSRF_FAILED"
    UPLOAD_QUOTA_EXCEEDED = "UPLOAD_QUOTA_EXCEEDED"

    # Driver qualification certificates (seed 002, issue 13)
    DRIVER_NOTICE_NOT_ACCEPTED = "DRIVER_NOTICE_NOT_ACCEPTED"
    DRIVER_LICENCE_TOO_RECENT = "DRIVER_LICENCE_TOO_RECENT"
    DRIVER_AGE_OVER_LIMIT = "DRIVER_AGE_OVER_LIMIT"
    DRIVER_ACCIDENT_DECLARATION_REQUIRED = "DRIVER_ACCIDENT_DECLARATION_REQUIRED"
    DRIVER_LICENCE_CLASS_INVALID = "DRIVER_LICENCE_CLASS_INVALID"
    TRAINING_INSTITUTION_REQUIRED = "TRAINING_INSTITUTION_REQUIRED"
    TRAINING_RECORD_NOT_FOUND = "TRAINING_RECORD_NOT_FOUND"
    DRIVER_APPLICATION_DUPLICATE = "DRIVER_APPLICATION_DUPLICATE"
    ATTACHMENT_TYPE_NOT_ALLOWED = "ATTACHMENT_TYPE_NOT_ALLOWED"
    FEE_ALREADY_PAID = "FEE_ALREADY_PAID"
    FEE_NOT_DUE = "FEE_NOT_DUE"
    PAYMENT_SIGNATURE_INVALID = "PAYMENT_SIGNATURE_INVALID"
    PAYMENT_ORDER_CANCELLED = "PAYMENT_ORDER_CANCELLED"
    PAYMENT_AMOUNT_MISMATCH = "PAYMENT_AMOUNT_MISMATCH"
    PAYMENT_ORDER_NOT_PENDING = "PAYMENT_ORDER_NOT_PENDING"
    PAYMENT_TRANSACTION_REUSED = "PAYMENT_TRANSACTION_REUSED"
    EXAM_SLOT_FULL = "EXAM_SLOT_FULL"
    EXAM_ATTEMPT_NOT_PAID = "EXAM_ATTEMPT_NOT_PAID"
    EXAM_ALREADY_BOOKED = "EXAM_ALREADY_BOOKED"
    EXAM_SUBJECT_PASSED = "EXAM_SUBJECT_PASSED"
    EXAM_SLOT_NOT_OPEN = "EXAM_SLOT_NOT_OPEN"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    CONSENT_VERSION_OUTDATED = "CONSENT_VERSION_OUTDATED"
    # Enterprises (issue 12, seeds 001, 003)
    ENTERPRISE_NOT_FOUND = "ENTERPRISE_NOT_FOUND"
    ENTERPRISE_NOT_APPROVED = "ENTERPRISE_NOT_APPROVED"
    STAFF_NOT_EMPLOYED = "STAFF_NOT_EMPLOYED"
    STAFF_ALREADY_EMPLOYED = "STAFF_ALREADY_EMPLOYED"
    STAFF_TRANSFER_REQUIRED = "STAFF_TRANSFER_REQUIRED"


# zh, en. A code without an entry falls back to its name, so a new code never breaks a response.
MESSAGES: Mapping[ErrorCode, tuple[str, str]] = {
    ErrorCode.INVALID_INPUT: ("输入不正确", "The input is not valid."),
    ErrorCode.NOT_FOUND: ("未找到该记录", "Not found."),
    ErrorCode.PERMISSION_DENIED: ("没有权限执行此操作", "You do not have the right to do this."),
    ErrorCode.UNAUTHENTICATED: ("请先登录", "Please log in first."),
    ErrorCode.RATE_LIMITED: ("操作过于频繁，请稍后再试", "Too many attempts; try again later."),
    ErrorCode.PROVINCE_NOT_FOUND: ("未找到该省份", "Unknown province."),
    ErrorCode.PROVINCE_MISMATCH: ("该账号不属于本省", "This account belongs to another province."),
    ErrorCode.INVALID_STATE_TRANSITION: ("当前状态不允许此操作", "This action is not allowed in the current state."),
    ErrorCode.CONCURRENT_UPDATE: ("记录已被他人修改，请刷新后重试", "Someone else changed this; reload and retry."),
    ErrorCode.USERNAME_REQUIRED: ("请输入用户名", "Enter a username."),
    ErrorCode.USERNAME_TOO_SHORT: ("用户名长度不能少于6个字符（汉字计2个）", "The username is shorter than 6 units (a CJK character counts 2)."),
    ErrorCode.USERNAME_TOO_LONG: ("用户名长度不能超过18个字符（汉字计2个）", "The username is longer than 18 units (a CJK character counts 2)."),
    ErrorCode.USERNAME_INVALID_CHARACTERS: ("用户名只能由汉字、字母、数字和下划线组成", "The username may hold only CJK characters, letters, digits and underscores."),
    ErrorCode.USERNAME_STARTS_WITH_DIGIT: ("用户名不能以数字开头", "The username must not start with a digit."),
    ErrorCode.USERNAME_TAKEN: ("该用户名已被注册", "This username is taken."),
    ErrorCode.PASSWORD_TOO_SHORT: ("密码长度不能少于8位", "The password is shorter than 8 characters."),
    ErrorCode.PASSWORD_TOO_LONG: ("密码长度不能超过18位", "The password is longer than 18 characters."),
    ErrorCode.PASSWORD_INVALID_CHARACTERS: ("密码只能由字母、数字和下划线组成", "The password may hold only letters, digits and underscores."),
    ErrorCode.PASSWORD_MISMATCH: ("两次输入的密码不一致", "The two passwords differ."),
    ErrorCode.PASSWORD_WRONG: ("密码错误", "The password is wrong."),
    ErrorCode.PASSWORD_CHANGE_REQUIRED: ("首次登录请先修改密码", "Change your password before doing anything else."),
    ErrorCode.PASSWORD_SAME_AS_OLD: ("新密码不能与原密码相同", "The new password must differ from the old one."),
    ErrorCode.PHONE_INVALID: ("请输入正确的手机号码", "Enter a valid mainland mobile number."),
    ErrorCode.PHONE_TAKEN: ("该手机号码已被注册", "This mobile number is already registered."),
    ErrorCode.EMAIL_INVALID: ("请输入正确的邮箱地址", "Enter a valid email address."),
    ErrorCode.VERIFICATION_CODE_INVALID: ("验证码错误", "The verification code is wrong."),
    ErrorCode.VERIFICATION_CODE_EXPIRED: ("验证码已过期，请重新获取", "The verification code has expired; request a new one."),
    ErrorCode.VERIFICATION_CODE_RESEND_TOO_SOON: ("请稍后再获取验证码", "Wait before requesting another code."),
    ErrorCode.VERIFICATION_CODE_TOO_MANY_ATTEMPTS: ("验证码错误次数过多，请重新获取", "Too many wrong codes; request a new one."),
    ErrorCode.CAPTCHA_INVALID: ("图形验证码错误", "The image captcha is wrong."),
    ErrorCode.CAPTCHA_EXPIRED: ("图形验证码已失效，请刷新", "The image captcha has expired; load a new one."),
    ErrorCode.LOGIN_FAILED: ("账号或密码错误", "Wrong account or password."),
    ErrorCode.ACCOUNT_LOCKED: ("登录失败次数过多，账号已暂时锁定", "Too many failed logins; the account is locked for a while."),
    ErrorCode.ACCOUNT_DISABLED: ("账号已停用", "This account is disabled."),
    ErrorCode.ROLE_NOT_HELD: ("该账号不具有所选角色", "This account does not hold the chosen role."),
    ErrorCode.ID_NUMBER_INVALID: ("身份证号码不正确", "The ID number is not valid."),
    ErrorCode.ID_NUMBER_TAKEN: ("该证件号码已被注册", "This ID number is already registered."),
    ErrorCode.CREDIT_CODE_INVALID: ("统一社会信用代码不正确", "The unified social credit code is not valid."),
    ErrorCode.REAL_NAME_INVALID: ("请输入正确的姓名", "Enter a valid real name."),
    ErrorCode.IMPORT_FILE_INVALID: ("导入文件格式不正确", "The import file cannot be read."),
    ErrorCode.LOGIN_ADDRESS_LOCKED: ("该网络地址登录失败次数过多，已暂时锁定", "Too many failed logins from this address; it is locked for a while."),
    ErrorCode.CREDIT_CODE_TAKEN: ("该统一社会信用代码已被注册", "This unified social credit code is already registered."),
    ErrorCode.ACCOUNT_NOT_ENTERPRISE: ("该账号不是企业账号", "This is not an enterprise account."),
    ErrorCode.RECOVERY_INVALID: ("找回密码流程已失效，请重新开始", "This password recovery has expired; start again."),
    ErrorCode.CONTACT_NOT_AVAILABLE: ("该账号未绑定此联系方式", "The account has no such contact bound."),
    ErrorCode.DUPLICATE_IN_FILE: ("文件中重复出现", "This value appears more than once in the file."),
    ErrorCode.ID_NUMBER_PROFILE_MISMATCH: (
        "证件号码与个人信息中的证件号码不一致", "The ID number does not match the one in your profile."
    ),
    ErrorCode.EMAIL_TAKEN: ("该邮箱已被其他帐号绑定", "This email address is already bound to another account."),
    ErrorCode.ID_NUMBER_BIRTH_DATE_MISMATCH: ("出生日期与身份证号码不符", "The birth date does not match the ID number."),
    ErrorCode.ID_NUMBER_GENDER_MISMATCH: ("性别与身份证号码不符", "The gender does not match the ID number."),
    ErrorCode.ETHNICITY_INVALID: ("民族不正确", "Unknown ethnic group."),
    ErrorCode.POSTCODE_INVALID: ("邮政编码不正确", "The postcode must be 6 digits."),
    ErrorCode.PROFILE_INCOMPLETE: ("个人信息不完整，请先完善", "The profile is incomplete."),
    ErrorCode.PROFILE_FIELD_ON_CERTIFICATE: ("该信息已印在证书上，请通过证书变更申请修改", "This data is printed on a certificate: file a certificate change request."),
    ErrorCode.FILE_TOO_LARGE: ("文件大小不能超过500KB", "The file is larger than 500 KB."),
    ErrorCode.FILE_EMPTY: ("文件为空", "The file is empty."),
    ErrorCode.FILE_TYPE_NOT_ALLOWED: ("文件格式不正确", "This file type is not allowed."),
    ErrorCode.FILE_EXTENSION_MISMATCH: ("文件扩展名与文件内容不符", "The file name does not match its content."),
    ErrorCode.IMAGE_UNREADABLE: ("图片无法识别或已损坏", "The image cannot be decoded."),
    ErrorCode.IMAGE_TOO_MANY_PIXELS: ("图片尺寸过大", "The image has too many pixels."),
    ErrorCode.IMAGE_TOO_SMALL: ("图片尺寸过小", "The image is too small."),
    ErrorCode.REQUEST_BODY_TOO_LARGE: ("请求内容过大", "The request body is too large."),
    ErrorCode.DOWNLOAD_LINK_INVALID: ("下载链接无效或已过期", "The download link is invalid or has expired."),
    ErrorCode.PLEDGE_NOT_ACCEPTED: ("请先阅读并同意诚信考试承诺书", "Accept the integrity pledge first."),
    ErrorCode.REGISTRATION_WINDOW_CLOSED: ("不在报名时间内", "Registration is not open."),
    ErrorCode.REGISTRATION_DUPLICATE: ("您已报名该科目", "You already registered for this subject."),
    ErrorCode.SESSION_FULL: ("该场考试已无剩余座位，请选择其他考试进行报名", "This session has no seats left; choose another exam."),
    ErrorCode.SESSION_NOT_IN_PLAN: ("该场次不属于此考试计划", "This session does not belong to the exam plan."),
    ErrorCode.SUBJECT_NOT_IN_PLAN: ("该科目不属于此考试计划", "This subject does not belong to the exam plan."),
    ErrorCode.REVIEW_DEADLINE_PASSED: ("已过审核截止时间", "The review deadline has passed."),
    ErrorCode.REVIEWER_ALREADY_ACTED: ("审核人员已处理，无法撤回", "A reviewer has already acted; it can no longer be withdrawn."),
    ErrorCode.OPINION_REQUIRED: ("请填写审核意见", "Enter a review opinion."),
    ErrorCode.TICKET_NOT_AVAILABLE: ("当前不在准考证打印时间内", "The admission ticket is not available now."),
    ErrorCode.TICKET_INVALID: ("准考证无效", "The admission ticket is not valid."),
    ErrorCode.SCORE_INVALID: ("成绩不正确", "The score is not valid."),
    ErrorCode.CERTIFICATE_NOT_ELIGIBLE: ("不符合证书申领条件", "Not eligible for this certificate."),
    ErrorCode.PUBLICITY_PERIOD_NOT_OVER: ("公示期尚未结束", "The publicity period is not over."),
    ErrorCode.CERTIFICATE_INVALID_STATE: ("证书当前状态不允许此操作", "The certificate's status does not allow this."),
    ErrorCode.RENEWAL_WINDOW_NOT_OPEN: ("尚未到延续办理时间", "The renewal window has not opened yet."),
    ErrorCode.RENEWAL_WINDOW_CLOSED: ("已超过延续办理时间", "The renewal window has closed."),
    ErrorCode.REQUEST_ALREADY_PENDING: ("已有待审核的申请", "A request is already pending."),
    ErrorCode.EXPLANATION_TOO_LONG: ("说明不能超过200字", "The explanation exceeds 200 characters."),
    ErrorCode.CERTIFICATE_NOT_FOUND: ("未找到该证书", "No certificate with this number."),
    ErrorCode.MATERIALS_MISSING: ("请上传所需的证明材料", "Required supporting documents are missing."),
    ErrorCode.SESSION_CAPACITY_BELOW_TAKEN: ("座位数不能少于已报名占用的座位数", "The capacity cannot be below the seats already taken."),
    ErrorCode.SESSION_CANCELLED: ("该场次已取消", "This session has been cancelled."),
    ErrorCode.PLAN_CANCELLED: ("该考试计划已取消", "This exam plan has been cancelled."),
    ErrorCode.SITE_CANCELLED: ("该考点已停用", "This exam site is no longer in use."),
    ErrorCode.SITE_IN_USE: ("该考点仍有未结束的考试计划，不能停用", "The site still has exam plans that are not over."),
    ErrorCode.TERMS_VERSION_STALE: ("报名须知或诚信考试承诺书已更新，请重新阅读并同意", "The registration notice or pledge was updated; read and accept the current version."),
    ErrorCode.SCORES_NOT_PUBLISHED: ("成绩尚未发布", "The results have not been published yet."),
    ErrorCode.EXPLANATION_REQUIRED: ("请填写说明", "Enter an explanation."),
    ErrorCode.PERSONAL_DATA_UNCHANGED: (
        "变更后的信息与证书上的信息相同", "The corrected data is the same as what the certificate prints."
    ),
    # National regulators (issue 11)
    ErrorCode.NOT_REGULATOR: ("仅限监管账号（国家或区域监管）使用", "Only national or regional regulator accounts may do this."),
    ErrorCode.PROVINCE_NOT_IN_SCOPE: ("所选省份不在您的监管范围内", "A chosen province is outside your supervision."),
    ErrorCode.PURPOSE_REQUIRED: ("查询个人信息请填写查询目的（至少4个字）", "State the purpose of this personal-data query (at least 4 characters)."),
    ErrorCode.DATE_RANGE_INVALID: ("起止日期无效（起始日期须早于截止日期，跨度不超过3年）", "The date range is invalid (start before end, at most 3 years)."),
    # One graph (issue 10)
    ErrorCode.PROVINCE_SCOPE_ONLY: ("该功能仅在省级平台提供", "Available on a province's endpoint only."),
    ErrorCode.NATIONAL_SCOPE_ONLY: ("该功能仅在全国平台提供", "Available on the national endpoint only."),
    ErrorCode.BAD_ID: ("标识无效", "This ID is not valid here (malformed or of another type)."),
    # Hardening (issue 17)
    ErrorCode.DATABASE_UNAVAILABLE: ("服务暂时不可用，请稍后再试", "The service is temporarily unavailable; try again later."),
    ErrorCode.OPERATION_COST_EXCEEDED: ("单次请求中的高开销操作过多", "Too many expensive operations in one request."),
    ErrorCode.BAD_REQUEST: ("请求格式不正确", "The request is malformed."),
    ErrorCode.INTERNAL_ERROR: ("服务器内部错误", "Internal server error."),
    ErrorCode.CSRF_FAILED: ("请求缺少跨站防护凭据", "This request needs a CSRF token or a custom header."),
    ErrorCode.UPLOAD_QUOTA_EXCEEDED: ("上传文件数量或大小已达上限，请稍后再试", "Upload quota reached; try again later."),
    # Driver qualification certificates (seed 002, issue 13)
    ErrorCode.DRIVER_NOTICE_NOT_ACCEPTED: ("请先阅读并同意申请须知", "Accept the application notice first."),
    ErrorCode.DRIVER_LICENCE_TOO_RECENT: ("取得相应的机动车驾驶证须满1年", "The driving licence must have been held for at least one year."),
    ErrorCode.DRIVER_AGE_OVER_LIMIT: ("年龄不得超过60周岁", "Applicants must be at most 60 years old."),
    ErrorCode.DRIVER_ACCIDENT_DECLARATION_REQUIRED: ("请声明三年内无重大以上交通责任事故并上传证明", "Declare no major-liability accident in 3 years and upload its proof."),
    ErrorCode.DRIVER_LICENCE_CLASS_INVALID: ("准驾车型不正确（货运须为A1、A2或B2）", "The licence class is not valid (freight: A1, A2 or B2)."),
    ErrorCode.TRAINING_INSTITUTION_REQUIRED: ("请选择培训机构", "Choose a training institution."),
    ErrorCode.TRAINING_RECORD_NOT_FOUND: ("未查询到有效的本地结业证信息", "No valid local training certificate was found."),
    ErrorCode.DRIVER_APPLICATION_DUPLICATE: ("已有进行中的同类别从业资格申请", "An application of this category is already in progress."),
    ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED: ("附件须为扫描图片或PDF文件（照片须为图片）", "Attachments must be scanned images or PDF files (the photo an image)."),
    ErrorCode.FEE_ALREADY_PAID: ("考试费已交纳，请勿重复缴费", "The fee is already paid; do not pay twice."),
    ErrorCode.FEE_NOT_DUE: ("当前无需缴费", "No fee is due now."),
    ErrorCode.PAYMENT_SIGNATURE_INVALID: ("支付通知签名无效", "The payment notification's signature is not valid."),
    ErrorCode.PAYMENT_ORDER_CANCELLED: ("订单已取消", "The order was cancelled."),
    ErrorCode.PAYMENT_AMOUNT_MISMATCH: ("支付金额与订单不符", "The amount paid does not match the order."),
    ErrorCode.PAYMENT_ORDER_NOT_PENDING: ("订单不是待支付状态", "The order is not waiting for payment."),
    ErrorCode.PAYMENT_TRANSACTION_REUSED: ("该支付交易已用于其他订单", "This payment transaction was already used for another order."),
    ErrorCode.EXAM_SLOT_FULL: ("该考场已约满，请选择其他场次", "This exam slot is fully booked; choose another."),
    ErrorCode.EXAM_ATTEMPT_NOT_PAID: ("考试次数已用完，请缴纳补考费后再预约", "No paid attempt left: pay the retake fee before booking."),
    ErrorCode.EXAM_ALREADY_BOOKED: ("该科目已有考试预约", "This subject is already booked."),
    ErrorCode.EXAM_SUBJECT_PASSED: ("该科目已考试合格", "This subject is already passed."),
    ErrorCode.EXAM_SLOT_NOT_OPEN: ("该场次已开始或已结束，无法预约", "This slot has started or ended; it cannot be booked."),
    ErrorCode.CONSENT_REQUIRED: ("请阅读并同意《政务交通用户服务协议》和隐私政策", "Accept the service agreement and privacy policy."),
    ErrorCode.CONSENT_VERSION_OUTDATED: ("服务协议已更新，请重新阅读并同意", "The agreement was updated; read and accept the current version."),
    ErrorCode.ENTERPRISE_NOT_FOUND: ("未找到该统一社会信用代码的已审核企业", "No approved enterprise with this credit code."),
    ErrorCode.ENTERPRISE_NOT_APPROVED: ("企业注册信息尚未审核通过", "The enterprise's registration is not approved yet."),
    ErrorCode.STAFF_NOT_EMPLOYED: ("该证书不属于本单位", "This certificate does not belong to the enterprise."),
    ErrorCode.STAFF_TRANSFER_REQUIRED: ("该证书属于企业，更换单位请办理人员调出/调入", "This certificate belongs to an enterprise: change employer through a staff transfer out / in."),
    ErrorCode.STAFF_ALREADY_EMPLOYED: ("该证书仍属于其他单位，请先办理调出", "The certificate still belongs to an enterprise; transfer it out first."),
}


def message_for(code: ErrorCode, *, language: str = "zh") -> str:
    zh, en = MESSAGES.get(code, (code.value, code.value))
    return en if language == "en" else zh


class DomainError(Exception):
    """An expected failure of a service: carries a stable code, optionally the input field at fault."""

    def __init__(
        self,
        code: ErrorCode,
        *,
        field: str | None = None,
        detail: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.field = field
        self.detail = detail
        self.params = dict(params or {})
        super().__init__(f"{code.value}{f' ({field})' if field else ''}{f': {detail}' if detail else ''}")

    def message(self, language: str = "zh") -> str:
        base = message_for(self.code, language=language)
        return f"{base}（{self.detail}）" if self.detail and language != "en" else (
            f"{base} ({self.detail})" if self.detail else base
        )


class DomainErrors(DomainError):
    """Several independent input errors found at once (a form with three bad fields gets three codes)."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("DomainErrors needs at least one error")
        first = self.errors[0]
        super().__init__(first.code, field=first.field, detail=first.detail, params=first.params)
