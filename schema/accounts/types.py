from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import QuerySet

from accounts.models import Role as _Role
from accounts.models import User
from accounts.services import ImportReport, IssuedCaptcha
from accounts.validators import mask_email, mask_phone
from core.identity import mask_id_number
from schema.base import UserError
from schema.profiles.access import ProfileAccess
from schema.relay import ProvinceNode

if TYPE_CHECKING:
    from schema.enterprises.types import EnterpriseType
    from schema.profiles.types import ProfileType

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


@strawberry_django.type(
    User, name="Account", description="An account: of this province, or national on the national endpoint."
)
class AccountType(ProvinceNode):
    rows_in = "both"  # every province has its accounts; national ones live in the public schema

    username: str
    kind: str
    credit_code: str | None
    must_change_password: bool
    last_login: datetime | None

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        """Through `node`: one's own account; staff who review candidates see every account of the province."""
        from profiles.selectors import PROFILE_VIEWER_ROLES
        from schema.accounts.auth import resolve_actor

        viewer = resolve_actor(info)
        if viewer is None:
            return queryset.none()
        return queryset if viewer.has_role(*PROFILE_VIEWER_ROLES) else queryset.filter(pk=viewer.pk)

    @strawberry_django.field(only=["roles"])
    def roles(self, root: User) -> list[Role]:  # type: ignore[valid-type]
        return [_Role(role) for role in root.roles]

    @strawberry_django.field(
        description="The person's real name: the account's, else the candidate profile's (empty when neither).",
        only=["real_name", "profile__real_name"], select_related=["profile"],
    )
    def real_name(self, root: User) -> str:
        if root.real_name:
            return root.real_name
        profile = getattr(root, "profile", None) if _has_profile(root) else None
        return profile.real_name if profile is not None else ""

    @strawberry_django.field(only=["phone"])
    def phone_masked(self, root: User) -> str:
        return mask_phone(root.phone) if root.phone else ""

    @strawberry_django.field(only=["email"])
    def email_masked(self, root: User) -> str:
        return mask_email(root.email) if root.email else ""

    @strawberry_django.field(only=["id_number"])
    def id_number_masked(self, root: User) -> str:
        return mask_id_number(root.id_number) if root.id_number else ""

    profile: Annotated[ProfileType, strawberry.lazy("schema.profiles.types")] | None = strawberry_django.field(
        description="考生个人信息: for the account itself and the staff who review candidates; null for anyone else.",
        extensions=[ProfileAccess()],
    )

    @strawberry_django.field(
        description="企业: an enterprise account's company profile with its registration state, opinion and "
        "decision time (what the account sees at login: submitted, approved, or rejected with the reason); "
        "null for other accounts and before the profile is filled in.",
        select_related=["enterprise"],
    )
    def enterprise(self, root: User) -> Annotated[EnterpriseType, strawberry.lazy("schema.enterprises.types")] | None:
        # Reached only through accounts the caller may see (itself, requests it reviews): company data, not
        # personal data; the licence's download link checks the viewer again on use.
        return getattr(root, "enterprise", None)


def _has_profile(user: User) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        user.profile  # noqa: B018  (select_related: no query)
    except ObjectDoesNotExist:
        return False
    return True


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
class AccountSettingsPayload:
    account: AccountType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PasswordRecoveryStartPayload:
    account: str | None = strawberry.field(
        default=None, description="您正在找回的帐号是: the account name as entered (the same answer for any name)."
    )
    recovery_key: str | None = None
    expires_at: datetime | None = None
    options: list[RecoveryOption] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PasswordRecoveryCompletePayload:
    ok: bool = False
    account: str | None = strawberry.field(
        default=None,
        description="The username of the account whose password was reset (told once the code proved the "
        "person holds its phone or email).",
    )
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
