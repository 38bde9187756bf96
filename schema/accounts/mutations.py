"""Account mutations, each named after its service (`account_login` → `accountLogin`)."""

from __future__ import annotations

from typing import Any

import strawberry
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.http import HttpRequest
from strawberry.file_uploads import Upload

from accounts import services
from core.errors import DomainError
from schema.accounts.auth import bearer_token, require_actor
from schema.accounts.types import (
    AccountLoginPayload,
    AccountLogoutPayload,
    AccountPasswordResetPayload,
    AccountRegisterPayload,
    AccountSettingsPayload,
    AccountsImportPayload,
    ContactChannel,
    ImportKind,
    LoginRole,
    PasswordChangePayload,
    PasswordRecoveryCompletePayload,
    PasswordRecoveryStartPayload,
    RecoveryOption,
    VerificationCodeSendPayload,
)
from schema.base import client_address, db_resolver, header, user_errors

_SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _http_request(info: strawberry.Info) -> HttpRequest | None:
    request = info.context["request"]
    return request if isinstance(request, HttpRequest) and hasattr(request, "session") else None


@strawberry.input
class AccountRegisterInput:
    username: str
    password: str
    password_confirmation: str
    phone: str
    sms_code: str
    id_number: str | None = None
    real_name: str | None = None


@strawberry.input
class AccountLoginInput:
    account: str = strawberry.field(description="Username, or the bound ID number / unified social credit code.")
    password: str
    captcha_id: strawberry.ID
    captcha_answer: str
    role: LoginRole
    session: bool = strawberry.field(
        default=False, description="Also start a Django session (cookie) for a browser portal, over HTTP."
    )


@strawberry.type
class AccountSessionMutation:
    """Logging in and out and passwords: on every endpoint (provinces and the national scope)."""

    @strawberry.mutation(description="Log in with password and image captcha as the chosen role.")
    @db_resolver
    def account_login(self, info: strawberry.Info, input: AccountLoginInput) -> AccountLoginPayload:
        try:
            result = services.account_login(
                account=input.account,
                password=input.password,
                captcha_id=str(input.captcha_id),
                captcha_answer=input.captcha_answer,
                role=input.role.value,
                client_address=client_address(info),
                user_agent=header(info, "user-agent") or "",
            )
        except DomainError as error:
            return AccountLoginPayload(errors=user_errors(error, info))
        request = _http_request(info)
        if input.session and request is not None:
            session_login(request, result.user, backend=_SESSION_BACKEND)
        return AccountLoginPayload(
            token=result.token,
            expires_at=result.expires_at,
            account=result.user,  # type: ignore[arg-type]
            must_change_password=result.user.must_change_password,
        )

    @strawberry.mutation(description="Revoke this call's bearer token and end its session.")
    @db_resolver
    def account_logout(self, info: strawberry.Info) -> AccountLogoutPayload:
        user = require_actor(info, allow_pending_password_change=True)
        request = _http_request(info)
        if request is not None:
            session_logout(request)  # first: the sockets told by the service re-check a session already gone
        services.account_logout(user=user, raw_token=bearer_token(info))
        return AccountLogoutPayload(ok=True)

    @strawberry.mutation(description="Change one's password (also the forced first change). Revokes all tokens.")
    @db_resolver
    def password_change(
        self, info: strawberry.Info, old_password: str, new_password: str, new_password_confirmation: str
    ) -> PasswordChangePayload:
        user = require_actor(info, allow_pending_password_change=True)
        try:
            token = services.password_change(
                user=user,
                old_password=old_password,
                new_password=new_password,
                new_password_confirmation=new_password_confirmation,
                user_agent=header(info, "user-agent") or "",
            )
        except DomainError as error:
            return PasswordChangePayload(errors=user_errors(error, info))
        request = _http_request(info)
        if request is not None and bearer_token(info) is None and request.user.is_authenticated:
            session_login(request, user, backend=_SESSION_BACKEND)  # a new session for this browser only
        return PasswordChangePayload(token=token)

    @strawberry.mutation(description="Password recovery, step 1: account + captcha → masked phone / email.")
    @db_resolver
    def password_recovery_start(
        self, info: strawberry.Info, account: str, captcha_id: strawberry.ID, captcha_answer: str
    ) -> PasswordRecoveryStartPayload:
        try:
            start = services.password_recovery_start(
                account=account, captcha_id=str(captcha_id), captcha_answer=captcha_answer,
                client_address=client_address(info),
            )
        except DomainError as error:
            return PasswordRecoveryStartPayload(errors=user_errors(error, info))
        return PasswordRecoveryStartPayload(
            account=start.account,
            recovery_key=start.key,
            expires_at=start.expires_at,
            options=[RecoveryOption(channel=ContactChannel(o.channel), masked=o.masked) for o in start.options],
        )

    @strawberry.mutation(description="Password recovery, step 2: send a code to the chosen phone or email.")
    @db_resolver
    def password_recovery_code_send(
        self, info: strawberry.Info, recovery_key: str, channel: ContactChannel
    ) -> VerificationCodeSendPayload:
        try:
            expires_at = services.password_recovery_code_send(
                recovery_key=recovery_key, channel=channel.value, client_address=client_address(info)
            )
        except DomainError as error:
            return VerificationCodeSendPayload(errors=user_errors(error, info))
        return VerificationCodeSendPayload(expires_at=expires_at)

    @strawberry.mutation(description="Password recovery, step 3: the code and the new password twice.")
    @db_resolver
    def password_recovery_complete(
        self, info: strawberry.Info, recovery_key: str, code: str, new_password: str, new_password_confirmation: str
    ) -> PasswordRecoveryCompletePayload:
        try:
            user = services.password_recovery_complete(
                recovery_key=recovery_key,
                code=code,
                new_password=new_password,
                new_password_confirmation=new_password_confirmation,
            )
        except DomainError as error:
            return PasswordRecoveryCompletePayload(errors=user_errors(error, info))
        return PasswordRecoveryCompletePayload(ok=True, account=user.username)


@strawberry.type
class AccountProvinceMutation:
    """Registration and provisioning: only a province has candidates and enterprises."""

    @strawberry.mutation(description="Send a registration code by SMS (one per 60 s; rate-limited).")
    @db_resolver
    def verification_code_send(self, info: strawberry.Info, phone: str) -> VerificationCodeSendPayload:
        try:
            expires_at = services.verification_code_send(phone=phone, client_address=client_address(info))
        except DomainError as error:
            return VerificationCodeSendPayload(errors=user_errors(error, info))
        return VerificationCodeSendPayload(expires_at=expires_at)

    @strawberry.mutation(description="Register a candidate account (seeds 000, 002).")
    @db_resolver
    def account_register(self, info: strawberry.Info, input: AccountRegisterInput) -> AccountRegisterPayload:
        try:
            user = services.account_register(
                username=input.username,
                password=input.password,
                password_confirmation=input.password_confirmation,
                phone=input.phone,
                sms_code=input.sms_code,
                id_number=input.id_number,
                real_name=input.real_name,
                client_address=client_address(info),
            )
        except DomainError as error:
            return AccountRegisterPayload(errors=user_errors(error, info))
        return AccountRegisterPayload(account=user)  # type: ignore[arg-type]

    @strawberry.mutation(description="Province administrators: provision accounts from a CSV or Excel file.")
    @db_resolver
    def accounts_import(self, info: strawberry.Info, kind: ImportKind, file: Upload) -> AccountsImportPayload:
        actor = require_actor(info)
        upload: Any = file
        try:
            report = services.accounts_import(
                actor=actor, kind=kind.value, data=upload.read(), filename=str(getattr(upload, "name", ""))
            )
        except DomainError as error:
            return AccountsImportPayload(errors=user_errors(error, info))
        return AccountsImportPayload.from_report(report, info)

    @strawberry.mutation(description="Province administrators: reset an enterprise account to its initial password.")
    @db_resolver
    def account_password_reset(self, info: strawberry.Info, account: str) -> AccountPasswordResetPayload:
        actor = require_actor(info)
        try:
            user = services.account_password_reset(actor=actor, account=account)
        except DomainError as error:
            return AccountPasswordResetPayload(errors=user_errors(error, info))
        return AccountPasswordResetPayload(account=user)  # type: ignore[arg-type]


    @strawberry.mutation(
        description="绑定证件号: the ID number of the caller's profile becomes a login name (unique in the province; "
        "ID_NUMBER_PROFILE_MISMATCH when it is not the profile's, ID_NUMBER_TAKEN when another account uses it)."
    )
    @db_resolver
    def account_id_number_bind(self, info: strawberry.Info, id_number: str) -> AccountSettingsPayload:
        actor = require_actor(info)
        try:
            user = services.account_id_number_bind(user=actor, actor=actor, id_number=id_number)
        except DomainError as error:
            return AccountSettingsPayload(errors=user_errors(error, info))
        return AccountSettingsPayload(account=user)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="账号设置: send a code to the phone (SMS) or email the caller wants to bind (one per 60 s)."
    )
    @db_resolver
    def account_contact_code_send(
        self, info: strawberry.Info, channel: ContactChannel, destination: str
    ) -> VerificationCodeSendPayload:
        actor = require_actor(info)
        try:
            expires_at = services.account_contact_code_send(
                user=actor, channel=channel.value, destination=destination, client_address=client_address(info)
            )
        except DomainError as error:
            return VerificationCodeSendPayload(errors=user_errors(error, info))
        return VerificationCodeSendPayload(expires_at=expires_at)

    @strawberry.mutation(description="账号设置: bind or change the account's mobile number with the code sent to it.")
    @db_resolver
    def account_phone_bind(self, info: strawberry.Info, phone: str, sms_code: str) -> AccountSettingsPayload:
        actor = require_actor(info)
        try:
            user = services.account_phone_bind(user=actor, phone=phone, sms_code=sms_code)
        except DomainError as error:
            return AccountSettingsPayload(errors=user_errors(error, info))
        return AccountSettingsPayload(account=user)  # type: ignore[arg-type]

    @strawberry.mutation(description="账号设置: bind or change the account's email with the code sent to it.")
    @db_resolver
    def account_email_bind(self, info: strawberry.Info, email: str, email_code: str) -> AccountSettingsPayload:
        actor = require_actor(info)
        try:
            user = services.account_email_bind(user=actor, email=email, email_code=email_code)
        except DomainError as error:
            return AccountSettingsPayload(errors=user_errors(error, info))
        return AccountSettingsPayload(account=user)  # type: ignore[arg-type]
