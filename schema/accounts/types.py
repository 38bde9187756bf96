from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum

import strawberry

from accounts.models import Role as _Role
from accounts.models import User
from accounts.services import ImportReport, IssuedCaptcha
from accounts.validators import mask_email, mask_phone
from core.identity import mask_id_number
from schema.base import UserError

Role = strawberry.enum(_Role, name="Role", description="What an account may do in its province.")


@strawberry.enum(description="The role a login chooses (seed 000: candidate or exam staff; enterprises).")
class LoginRole(Enum):
    CANDIDATE = "candidate"
    ENTERPRISE = "enterprise"
    STAFF = "staff"


@strawberry.enum(description="Where a verification code goes.")
class ContactChannel(Enum):
    SMS = "sms"
    EMAIL = "email"


@strawberry.enum(description="What a bulk import file lists.")
class ImportKind(Enum):
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"


@strawberry.type(name="Account", description="An account of this province (its own, or one an administrator manages).")
class AccountType:
    id: strawberry.ID
    username: str
    kind: str
    roles: list[Role]  # type: ignore[valid-type]
    real_name: str
    phone_masked: str
    email_masked: str
    id_number_masked: str
    credit_code: str | None
    must_change_password: bool
    last_login: datetime | None

    @classmethod
    def from_user(cls, user: User) -> AccountType:
        return cls(
            id=strawberry.ID(str(user.pk)),
            username=user.username,
            kind=user.kind,
            roles=[_Role(role) for role in user.roles],
            real_name=user.real_name,
            phone_masked=mask_phone(user.phone) if user.phone else "",
            email_masked=mask_email(user.email) if user.email else "",
            id_number_masked=mask_id_number(user.id_number) if user.id_number else "",
            credit_code=user.credit_code,
            must_change_password=user.must_change_password,
            last_login=user.last_login,
        )


@strawberry.type(name="Captcha", description="A one-time image captcha: show `image`, send `id` and the typed text.")
class CaptchaType:
    id: strawberry.ID
    image: str = strawberry.field(description="The PNG as a data URL (data:image/png;base64,…).")
    expires_at: datetime

    @classmethod
    def from_issued(cls, issued: IssuedCaptcha) -> CaptchaType:
        data = base64.b64encode(issued.png).decode()
        image = f"data:image/png;base64,{data}"
        return cls(id=strawberry.ID(str(issued.id)), image=image, expires_at=issued.expires_at)


@strawberry.type
class VerificationCodeSendPayload:
    expires_at: datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountRegisterPayload:
    account: AccountType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountLoginPayload:
    token: str | None = strawberry.field(default=None, description="Bearer token of this province.")
    expires_at: datetime | None = None
    account: AccountType | None = None
    must_change_password: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountLogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PasswordChangePayload:
    token: str | None = strawberry.field(
        default=None, description="A fresh bearer token: the change revoked every earlier token and session."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecoveryOption:
    channel: ContactChannel
    masked: str


@strawberry.type
class PasswordRecoveryStartPayload:
    recovery_key: str | None = None
    expires_at: datetime | None = None
    options: list[RecoveryOption] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PasswordRecoveryCompletePayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountImportRow:
    row_number: int
    account: str
    created: bool
    errors: list[UserError]


@strawberry.type
class AccountsImportPayload:
    created_count: int = 0
    failed_count: int = 0
    rows: list[AccountImportRow] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_report(cls, report: ImportReport, info: strawberry.Info) -> AccountsImportPayload:
        from core.errors import DomainErrors
        from schema.base import user_errors

        rows = []
        for row in report.rows:
            errors = user_errors(DomainErrors(row.errors), info) if row.errors else []
            done = row.user is not None
            rows.append(AccountImportRow(row_number=row.row_number, account=row.account, created=done, errors=errors))
        return cls(created_count=report.created_count, failed_count=report.failed_count, rows=rows)


@strawberry.type
class AccountPasswordResetPayload:
    account: AccountType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
