"""Accounts: captchas, verification codes, registration, login/logout, passwords, bulk provisioning.

Every function runs in the caller's province (accounts live in its schema) and takes `now` so that
tests can move time. Failures that must be remembered (a wrong code, a wrong password, a spent
captcha) are committed in their own transaction *before* the error is raised.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.captcha import captcha_text, render_captcha_png
from accounts.messaging import Message, message_send
from accounts.models import STAFF_ROLES, Captcha, PasswordRecovery, Role, User, VerificationCode
from accounts.permissions import require_role
from accounts.throttle import (
    GuardedCheck,
    throttle_clear,
    throttle_fail,
    throttle_guarded_check,
    throttle_locked_until,
    throttle_take,
)
from accounts.tokens import auth_token_issue, auth_token_revoke, auth_tokens_revoke_all
from accounts.validators import (
    mask_email,
    mask_phone,
    validate_mainland_mobile,
    validate_password,
    validate_real_name,
    validate_username,
)
from core.errors import DomainError, DomainErrors, ErrorCode
from core.identity import initial_password_for, parse_mainland_id, validate_credit_code
from core.services import audit_record
from core.tabular import read_table
from tenants.context import current_scope

CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=5)
CODE_RESEND_AFTER = timedelta(seconds=60)
CODE_MAX_WRONG_TRIES = 5
CAPTCHA_LIFETIME = timedelta(minutes=5)
CAPTCHAS_PER_ADDRESS_PER_10_MINUTES = 100
RECOVERY_LIFETIME = timedelta(minutes=30)
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

LOGIN_ROLES: dict[str, frozenset[str]] = {
    "candidate": frozenset({Role.CANDIDATE}),
    "enterprise": frozenset({Role.ENTERPRISE}),
    "staff": frozenset(STAFF_ROLES),
}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _digest(*parts: str) -> str:
    """HMAC-SHA256 under the secret key: a leaked table alone does not reveal codes or captchas."""
    return hmac.new(settings.SECRET_KEY.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _raise_all(errors: list[DomainError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)


def _collect(errors: list[DomainError], error: DomainError) -> None:
    errors.extend(error.errors if isinstance(error, DomainErrors) else [error])


def _schema_name() -> str:
    scope = current_scope()
    return scope.schema_name if scope is not None else ""


# ------------------------------------------------------------------------------------------ captcha


@dataclass(frozen=True)
class IssuedCaptcha:
    id: uuid.UUID
    png: bytes
    expires_at: datetime


def captcha_issue(*, client_address: str = "", text: str | None = None, now: datetime | None = None) -> IssuedCaptcha:
    """A new one-time image captcha. `text` is for tests and scripts only (the API never passes it)."""
    now = _now(now)
    if client_address:
        throttle_take(
            key=f"captcha:address:{client_address}",
            limit=CAPTCHAS_PER_ADDRESS_PER_10_MINUTES,
            window=timedelta(minutes=10),
            now=now,
        )
    answer = (text or captcha_text()).upper()
    captcha_id = uuid.uuid4()
    with transaction.atomic():
        Captcha.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
        captcha = Captcha.objects.create(
            id=captcha_id,
            answer_hash=_digest("captcha", str(captcha_id), answer),
            created_at=now,
            expires_at=now + CAPTCHA_LIFETIME,
        )
    return IssuedCaptcha(id=captcha_id, png=render_captcha_png(answer), expires_at=captcha.expires_at)


def _is_test_answer(answer: str) -> bool:
    """The test-only answer (settings refuse it in production) passes any live captcha."""
    test_answer = settings.CAPTCHA_TEST_ANSWER
    if not test_answer or settings.PRODUCTION:
        return False
    return hmac.compare_digest(answer.strip().upper().encode(), test_answer.strip().upper().encode())


def _captcha_spend(*, captcha_id: str, answer: str, now: datetime) -> None:
    """Check and spend a captcha (right or wrong, it cannot be tried again)."""
    try:
        key = uuid.UUID(str(captcha_id))
    except ValueError:
        raise DomainError(ErrorCode.CAPTCHA_INVALID, field="captchaAnswer") from None
    error: DomainError | None = None
    with transaction.atomic():
        captcha = Captcha.objects.select_for_update().filter(id=key).first()
        if captcha is None or captcha.used_at is not None:
            error = DomainError(ErrorCode.CAPTCHA_EXPIRED, field="captchaAnswer")
        else:
            captcha.used_at = now
            captcha.save(update_fields=["used_at"])
            if captcha.expires_at <= now:
                error = DomainError(ErrorCode.CAPTCHA_EXPIRED, field="captchaAnswer")
            elif _is_test_answer(answer):
                pass  # PLATFORM_CAPTCHA_TEST_ANSWER: portals' integration tests (never in production)
            elif not hmac.compare_digest(captcha.answer_hash, _digest("captcha", str(key), answer.strip().upper())):
                error = DomainError(ErrorCode.CAPTCHA_INVALID, field="captchaAnswer")
    if error is not None:
        raise error


# ---------------------------------------------------------------------------------- verification codes


def _code_send(
    *,
    purpose: str,
    channel: str,
    destination: str,
    user: User | None,
    client_address: str,
    now: datetime,
) -> VerificationCode:
    latest = (
        VerificationCode.objects.filter(purpose=purpose, destination=destination, user=user)
        .order_by("-created_at")
        .first()
    )
    if latest is not None and now - latest.created_at < CODE_RESEND_AFTER:
        until = latest.created_at + CODE_RESEND_AFTER
        raise DomainError(ErrorCode.VERIFICATION_CODE_RESEND_TOO_SOON, params={"until": until.isoformat()})
    hour = timedelta(hours=1)
    per_destination = settings.PLATFORM_CODES_PER_DESTINATION_PER_HOUR
    throttle_take(key=f"code:{channel}:{destination}", limit=per_destination, window=hour, now=now)
    if client_address:
        per_address = settings.PLATFORM_CODES_PER_ADDRESS_PER_HOUR
        throttle_take(key=f"code:address:{client_address}", limit=per_address, window=hour, now=now)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    with transaction.atomic():
        # Only the newest code counts: older ones of the same purpose and destination are burned.
        VerificationCode.objects.filter(
            purpose=purpose, destination=destination, user=user, used_at__isnull=True, burned_at__isnull=True
        ).update(burned_at=now)
        row = VerificationCode.objects.create(
            purpose=purpose,
            channel=channel,
            destination=destination,
            user=user,
            code_hash="",
            client_address=client_address[:64],
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        row.code_hash = _digest("code", str(row.pk), code)
        row.save(update_fields=["code_hash"])
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    label = VerificationCode.Purpose(purpose).label
    message_send(
        Message(
            channel=channel,
            destination=destination,
            subject=f"验证码 / Verification code: {code}",
            text=f"【交通运输安全考核平台】您正在{label}，验证码 {code}，{minutes}分钟内有效。请勿告知他人。",
            code=code,
            purpose=purpose,
            schema_name=_schema_name(),
        )
    )
    return row


def _code_use(
    *, purpose: str, destination: str, user: User | None, code: str, now: datetime, field: str,
    consume: bool = True,
) -> DomainError | None:
    """Check the newest code of (purpose, destination[, user]) inside the caller's transaction.

    Right: it is marked used (unless `consume` is off), None is returned. Wrong: its wrong-try counter goes
    up (the N-th wrong try burns it) and the error is *returned*, so that the caller can commit the count,
    then raise.
    """
    row = (
        VerificationCode.objects.select_for_update()
        .filter(purpose=purpose, destination=destination, user=user)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.used_at is not None:
        return DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field=field)
    if row.burned_at is not None:
        code_burned = row.attempts >= CODE_MAX_WRONG_TRIES
        return DomainError(
            ErrorCode.VERIFICATION_CODE_TOO_MANY_ATTEMPTS if code_burned else ErrorCode.VERIFICATION_CODE_INVALID,
            field=field,
        )
    if row.expires_at <= now:
        return DomainError(ErrorCode.VERIFICATION_CODE_EXPIRED, field=field)
    if not hmac.compare_digest(row.code_hash, _digest("code", str(row.pk), code.strip())):
        row.attempts += 1
        if row.attempts >= CODE_MAX_WRONG_TRIES:
            row.burned_at = now
            row.save(update_fields=["attempts", "burned_at"])
            return DomainError(ErrorCode.VERIFICATION_CODE_TOO_MANY_ATTEMPTS, field=field)
        row.save(update_fields=["attempts"])
        tries_left = CODE_MAX_WRONG_TRIES - row.attempts
        return DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field=field, params={"triesLeft": tries_left})
    if consume:
        row.used_at = now
        row.save(update_fields=["used_at"])
    return None


def _code_try_spend(*, purpose: str, destination: str, now: datetime) -> None:
    """Count one try on the newest code of (purpose, destination) without a wrong answer (see registration)."""
    row = (
        VerificationCode.objects.select_for_update()
        .filter(purpose=purpose, destination=destination, user=None)
        .order_by("-created_at")
        .first()
    )
    if row is None:
        return
    row.attempts += 1
    if row.attempts >= CODE_MAX_WRONG_TRIES:
        row.burned_at = now
    row.save(update_fields=["attempts", "burned_at"])


def verification_code_send(
    *,
    phone: str,
    purpose: str = VerificationCode.Purpose.REGISTER,
    client_address: str = "",
    now: datetime | None = None,
) -> datetime:
    """Send a registration code by SMS to `phone`; returns when it expires.

    One code per 60 s per number; at most PLATFORM_CODES_PER_DESTINATION_PER_HOUR per number and
    PLATFORM_CODES_PER_ADDRESS_PER_HOUR per client address. (Recovery codes: `password_recovery_code_send`.)
    """
    if purpose != VerificationCode.Purpose.REGISTER:
        raise DomainError(ErrorCode.INVALID_INPUT, field="purpose")
    number = validate_mainland_mobile(phone)
    row = _code_send(
        purpose=purpose, channel=VerificationCode.Channel.SMS, destination=number, user=None,
        client_address=client_address, now=_now(now),
    )
    return row.expires_at


def email_code_send(*, email: str, client_address: str = "", now: datetime | None = None) -> datetime:
    """Send a code to verify an email address (enterprise registration, email change); returns when it
    expires. Same rules as the SMS code: one per 60 s, hourly budgets per address and per client."""
    row = _code_send(
        purpose=VerificationCode.Purpose.REGISTER, channel=VerificationCode.Channel.EMAIL,
        destination=email.strip().lower(), user=None, client_address=client_address, now=_now(now),
    )
    return row.expires_at


def email_code_spend(*, email: str, code: str, now: datetime | None = None, field: str = "emailCode") -> None:
    """Check and spend the newest email code of `email`; a wrong try counts (committed) before the refusal."""
    with transaction.atomic():
        failure = _code_use(
            purpose=VerificationCode.Purpose.REGISTER, destination=email.strip().lower(), user=None,
            code=code or "", now=_now(now), field=field,
        )
    if failure is not None:
        raise failure


# ------------------------------------------------------------------------------------------- register


def account_register(
    *,
    username: str,
    password: str,
    password_confirmation: str,
    phone: str,
    sms_code: str,
    id_number: str | None = None,
    real_name: str | None = None,
    client_address: str = "",
    now: datetime | None = None,
    id_number_is_username: bool = False,
    on_created: Callable[[User], None] | None = None,
) -> User:
    """Register a candidate (seeds 000, 002). Every broken input rule is reported at once; the SMS code is
    only tried (and its wrong-try counter only moves) once the rest of the form is right; taken usernames,
    phones and ID numbers are only reported after a right code (issue 17).

    Seed 002 (`id_number_is_username`): the ID number is the login and there is no separate username.
    `on_created` runs in the registration's transaction (e.g. recording consents)."""
    now = _now(now)
    errors: list[DomainError] = []
    clean_username = clean_phone = clean_id = clean_name = ""
    if id_number_is_username:
        if not (id_number and id_number.strip()):
            errors.append(DomainError(ErrorCode.ID_NUMBER_INVALID, field="idNumber"))
        if not (real_name and real_name.strip()):
            errors.append(DomainError(ErrorCode.REAL_NAME_INVALID, field="realName"))
    else:
        try:
            clean_username = validate_username(username)
        except DomainError as error:
            _collect(errors, error)
    try:
        validate_password(password, password_confirmation)
    except DomainError as error:
        _collect(errors, error)
    try:
        clean_phone = validate_mainland_mobile(phone)
    except DomainError as error:
        _collect(errors, error)
    if id_number and id_number.strip():
        try:
            clean_id = parse_mainland_id(id_number, today=timezone.localdate(now)).number
        except DomainError as error:
            _collect(errors, error)
    if real_name and real_name.strip():
        try:
            clean_name = validate_real_name(real_name)
        except DomainError as error:
            _collect(errors, error)
    if not sms_code.strip():
        errors.append(DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field="smsCode"))
    _raise_all(errors)  # the form's own rules: no fact about other accounts in these answers
    if id_number_is_username:
        clean_username = clean_id
    if client_address:
        throttle_take(
            key=f"register:address:{client_address}", limit=settings.PLATFORM_REGISTER_PER_ADDRESS_PER_HOUR,
            window=timedelta(hours=1), now=now,
        )

    # Issue 17 (enumeration): the SMS code is checked first. Whether a username, phone or ID number is taken
    # is only said to someone holding a right code for the phone, and each such answer costs one of the
    # code's tries, so the code (5 tries) and the code budget per number and address bound the probing.
    failure: DomainError | None = None
    user: User | None = None
    with transaction.atomic():
        failure = _code_use(
            purpose=VerificationCode.Purpose.REGISTER, destination=clean_phone, user=None, code=sms_code, now=now,
            field="smsCode", consume=False,
        )
        if failure is None:
            taken: list[DomainError] = []
            # (an ID number used as the username is checked as an ID number below)
            if not id_number_is_username and User.objects.filter(username__iexact=clean_username).exists():
                taken.append(DomainError(ErrorCode.USERNAME_TAKEN, field="username"))
            if User.objects.filter(phone=clean_phone).exists():
                taken.append(DomainError(ErrorCode.PHONE_TAKEN, field="phone"))
            if clean_id and User.objects.filter(Q(id_number=clean_id) | Q(username=clean_id)).exists():
                taken.append(DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber"))
            if taken:
                _code_try_spend(purpose=VerificationCode.Purpose.REGISTER, destination=clean_phone, now=now)
                failure = taken[0] if len(taken) == 1 else DomainErrors(taken)
        if failure is None:
            _code_use(
                purpose=VerificationCode.Purpose.REGISTER, destination=clean_phone, user=None, code=sms_code,
                now=now, field="smsCode",
            )
            user = User(
                username=clean_username,
                phone=clean_phone,
                id_number=clean_id or None,
                real_name=clean_name,
                kind=User.Kind.INDIVIDUAL,
                roles=[Role.CANDIDATE],
                password_changed_at=now,
            )
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
                    if on_created is not None:
                        on_created(user)
            except IntegrityError:
                failure = (
                    DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber") if id_number_is_username
                    else DomainError(ErrorCode.USERNAME_TAKEN, field="username")
                )
                transaction.set_rollback(True)  # the code stays usable: the registration did not happen
    if failure is not None:
        raise failure
    assert user is not None
    return user


# ---------------------------------------------------------------------------------------------- login


def account_find(*, account: str) -> User | None:
    """The account called `account`: its username, or its bound ID number or credit code."""
    value = account.strip()
    if not value:
        return None
    user = User.objects.filter(username=value).first()
    if user is None:
        upper = value.upper()
        user = User.objects.filter(Q(id_number=upper) | Q(credit_code=upper)).first()
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    expires_at: datetime


def _lock_error(code: ErrorCode, until: datetime) -> DomainError:
    return DomainError(code, params={"until": until.isoformat()})


def _account_password_check(*, user: User, password: str, now: datetime) -> GuardedCheck:
    """The password of `user` checked under its lockout row's lock (login and password change alike): a
    locked account is not checked at all, and every wrong password counts, however many arrive at once."""
    return throttle_guarded_check(
        key=f"login:account:{user.pk}", limit=settings.PLATFORM_LOGIN_MAX_FAILURES, window=LOGIN_FAILURE_WINDOW,
        lock_for=timedelta(minutes=settings.PLATFORM_LOGIN_LOCK_MINUTES), check=lambda: user.check_password(password),
        now=now,
    )


def account_login(
    *,
    account: str,
    password: str,
    captcha_id: str,
    captcha_answer: str,
    role: str,
    client_address: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> LoginResult:
    """Log in by username, ID number or credit code, password and image captcha, as a chosen role.

    Brute force: PLATFORM_LOGIN_MAX_FAILURES wrong passwords of one account, or
    PLATFORM_LOGIN_ADDRESS_MAX_FAILURES failed logins from one client address, within 15 minutes lock the
    account (ACCOUNT_LOCKED) or the address (LOGIN_ADDRESS_LOCKED) for PLATFORM_LOGIN_LOCK_MINUTES;
    the error's `params.until` says until when. A success clears the account's failures.
    """
    from accounts.tokens import TOKEN_LIFETIME

    now = _now(now)
    if role not in LOGIN_ROLES:
        raise DomainError(ErrorCode.INVALID_INPUT, field="role")
    lock_for = timedelta(minutes=settings.PLATFORM_LOGIN_LOCK_MINUTES)
    address_key = f"login:address:{client_address}" if client_address else ""
    if address_key:
        until = throttle_locked_until(key=address_key, now=now)
        if until is not None:
            raise _lock_error(ErrorCode.LOGIN_ADDRESS_LOCKED, until)
    _captcha_spend(captcha_id=captcha_id, answer=captcha_answer, now=now)

    def address_failed() -> None:
        if address_key:
            locked = throttle_fail(
                key=address_key, limit=settings.PLATFORM_LOGIN_ADDRESS_MAX_FAILURES,
                window=LOGIN_FAILURE_WINDOW, lock_for=lock_for, now=now,
            )
            if locked is not None:
                raise _lock_error(ErrorCode.LOGIN_ADDRESS_LOCKED, locked)

    user = account_find(account=account)
    if user is None:
        User().set_password(password)  # same work as a real check: no timing oracle for unknown accounts
        address_failed()
        raise DomainError(ErrorCode.LOGIN_FAILED)
    attempt = _account_password_check(user=user, password=password, now=now)
    if not attempt.ok:
        if attempt.checked:
            address_failed()  # a wrong password (not a refusal of a locked account) counts for the address
        if attempt.locked_until is not None:
            raise _lock_error(ErrorCode.ACCOUNT_LOCKED, attempt.locked_until)
        raise DomainError(ErrorCode.LOGIN_FAILED)
    if not user.is_active:
        raise DomainError(ErrorCode.ACCOUNT_DISABLED)
    if not user.has_role(*LOGIN_ROLES[role]):
        raise DomainError(ErrorCode.ROLE_NOT_HELD, field="role")
    with transaction.atomic():
        user.last_login = now
        user.save(update_fields=["last_login"])
        token = auth_token_issue(user=user, user_agent=user_agent)
    return LoginResult(user=user, token=token, expires_at=now + TOKEN_LIFETIME)


def account_logout(*, user: User, raw_token: str | None) -> bool:
    """Revoke the token this call came with (a session is ended by the resolver, on the request)."""
    from subscriptions.revocation import publish_revocation_after_commit

    # The token's owner is whoever calls; revoking by hash cannot touch another's token. A session logout
    # (the resolver ends it) also tells the account's sockets to re-check, after commit.
    with transaction.atomic():
        publish_revocation_after_commit(user_id=user.pk)
        return auth_token_revoke(raw_token=raw_token) if raw_token else False


# ------------------------------------------------------------------------------------------ passwords


def _password_set(*, user: User, password: str, now: datetime, must_change: bool) -> None:
    user.set_password(password)
    user.must_change_password = must_change
    user.password_changed_at = now
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    # Every token dies; every session dies too, since Django checks the password hash it was made with.
    auth_tokens_revoke_all(user=user)


def password_change(
    *,
    user: User,
    old_password: str,
    new_password: str,
    new_password_confirmation: str,
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """Change one's own password (also the forced first change of bulk-provisioned accounts).

    Revokes all of the account's tokens and sessions, then returns a fresh token for the caller alone.
    """
    now = _now(now)
    errors: list[DomainError] = []
    try:
        validate_password(new_password, new_password_confirmation)
    except DomainError as error:
        _collect(errors, error)
    # The old password is a guess like a login's: checked under the account's lockout, counted when wrong.
    attempt = _account_password_check(user=user, password=old_password, now=now)
    if attempt.locked_until is not None:
        raise _lock_error(ErrorCode.ACCOUNT_LOCKED, attempt.locked_until)
    if not attempt.ok:
        errors.insert(0, DomainError(ErrorCode.PASSWORD_WRONG, field="oldPassword"))
    elif new_password == old_password:
        errors.append(DomainError(ErrorCode.PASSWORD_SAME_AS_OLD, field="password"))
    _raise_all(errors)
    with transaction.atomic():
        _password_set(user=user, password=new_password, now=now, must_change=False)
        audit_record(actor=user, action="password_change", target=user)
        return auth_token_issue(user=user, user_agent=user_agent)


@dataclass(frozen=True)
class RecoveryOption:
    channel: str
    masked: str


@dataclass(frozen=True)
class RecoveryStart:
    key: str
    expires_at: datetime
    options: list[RecoveryOption] = field(default_factory=list)
    # The account name as entered (seed 000: "您正在找回的帐号是: …"); the same for real and unknown accounts.
    account: str = ""


def password_recovery_start(
    *, account: str, captcha_id: str, captcha_answer: str, client_address: str = "", now: datetime | None = None
) -> RecoveryStart:
    """Step 1 of recovery: account (username, ID number or credit code) + captcha → masked contacts.

    Issue 17 (enumeration): an unknown or inactive account, or one without any contact, gets the same answer
    as a real one: a recovery key and a masked phone, made up but stable for that account name. The key
    leads nowhere (step 2 pretends to send, step 3 says the code is wrong). Rate-limited per client address.
    """
    now = _now(now)
    if client_address:
        throttle_take(
            key=f"recovery:address:{client_address}", limit=settings.PLATFORM_RECOVERY_PER_ADDRESS_PER_HOUR,
            window=timedelta(hours=1), now=now,
        )
    _captcha_spend(captcha_id=captcha_id, answer=captcha_answer, now=now)
    user = account_find(account=account)
    options = []
    if user is not None and user.is_active:
        if user.phone:
            options.append(RecoveryOption(channel=VerificationCode.Channel.SMS, masked=mask_phone(user.phone)))
        if user.email:
            options.append(RecoveryOption(channel=VerificationCode.Channel.EMAIL, masked=mask_email(user.email)))
    if not options:
        user = None
        options = [RecoveryOption(channel=VerificationCode.Channel.SMS, masked=_decoy_phone_mask(account))]
    key = secrets.token_urlsafe(24)
    PasswordRecovery.objects.create(
        key_hash=_digest("recovery", key), user=user, created_at=now, expires_at=now + RECOVERY_LIFETIME
    )
    return RecoveryStart(key=key, expires_at=now + RECOVERY_LIFETIME, options=options, account=account.strip())


_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                    "157", "158", "159", "166", "173", "177", "180", "181", "182", "185", "186", "187", "188", "189",
                    "191", "198", "199")


def _decoy_phone_mask(account: str) -> str:
    """A masked mobile number made up for an account name, the same every time (`151****1180`)."""
    digest = int(_digest("recovery-decoy", account.strip().upper()), 16)
    return f"{_MOBILE_PREFIXES[digest % len(_MOBILE_PREFIXES)]}****{(digest // 97) % 10_000:04d}"


def _recovery_open(*, key: str, now: datetime, lock: bool = False) -> PasswordRecovery:
    rows = PasswordRecovery.objects.select_related("user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    recovery = rows.filter(key_hash=_digest("recovery", key.strip())).first()
    if recovery is None or recovery.completed_at is not None or recovery.expires_at <= now:
        raise DomainError(ErrorCode.RECOVERY_INVALID, field="recoveryKey")
    return recovery


def _recovery_destination(user: User, channel: str) -> str:
    if channel == VerificationCode.Channel.SMS and user.phone:
        return user.phone
    if channel == VerificationCode.Channel.EMAIL and user.email:
        return user.email
    raise DomainError(ErrorCode.CONTACT_NOT_AVAILABLE, field="channel")


def password_recovery_code_send(
    *, recovery_key: str, channel: str, client_address: str = "", now: datetime | None = None
) -> datetime:
    """Step 2: send a code to the phone or the email chosen from step 1's options; returns its expiry."""
    now = _now(now)
    recovery = _recovery_open(key=recovery_key, now=now)
    if recovery.user is None:  # a decoy (unknown account): answer as if a code had been sent
        if channel != VerificationCode.Channel.SMS:
            raise DomainError(ErrorCode.CONTACT_NOT_AVAILABLE, field="channel")
        PasswordRecovery.objects.filter(pk=recovery.pk).update(channel=channel)
        return now + CODE_LIFETIME
    destination = _recovery_destination(recovery.user, channel)
    row = _code_send(
        purpose=VerificationCode.Purpose.RECOVER, channel=channel, destination=destination, user=recovery.user,
        client_address=client_address, now=now,
    )
    PasswordRecovery.objects.filter(pk=recovery.pk).update(channel=channel)
    return row.expires_at


def password_recovery_complete(
    *, recovery_key: str, code: str, new_password: str, new_password_confirmation: str, now: datetime | None = None
) -> User:
    """Step 3: the code and the new password twice. Revokes every token and session of the account."""
    now = _now(now)
    validate_password(new_password, new_password_confirmation)
    failure: DomainError | None = None
    with transaction.atomic():
        recovery = _recovery_open(key=recovery_key, now=now, lock=True)
        user = recovery.user
        if user is None:  # a decoy: no code can be right
            failure = DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field="code")
        elif not recovery.channel:
            failure = DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field="code")
        else:
            failure = _code_use(
                purpose=VerificationCode.Purpose.RECOVER, destination=_recovery_destination(user, recovery.channel),
                user=user, code=code, now=now, field="code",
            )
        if failure is None:
            assert user is not None
            recovery.completed_at = now
            recovery.save(update_fields=["completed_at"])
            _password_set(user=user, password=new_password, now=now, must_change=False)
            audit_record(actor=user, action="password_recover", target=user)
    if failure is not None:
        raise failure
    assert user is not None
    throttle_clear(key=f"login:account:{user.pk}")
    return user


# ------------------------------------------------------------------------------------ bulk provisioning

IMPORT_COLUMNS: dict[str, dict[str, list[str]]] = {
    User.Kind.INDIVIDUAL: {
        "id_number": ["身份证号码", "身份证号", "证件号码", "ID number"],
        "real_name": ["姓名", "real name", "name"],
        "phone": ["手机号码", "手机号", "联系电话", "phone", "mobile"],
        "email": ["电子邮箱", "邮箱", "email"],
    },
    User.Kind.ENTERPRISE: {
        "credit_code": ["统一社会信用代码", "信用代码", "credit code"],
        "name": ["企业名称", "单位名称", "enterprise name"],
        "phone": ["手机号码", "手机号", "联系电话", "phone", "mobile"],
        "email": ["电子邮箱", "邮箱", "email"],
    },
}
ENTERPRISE_NAME_MAX_LENGTH = 100


@dataclass
class ImportRowResult:
    row_number: int
    account: str
    user: User | None = None
    errors: list[DomainError] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportRowResult]

    @property
    def created_count(self) -> int:
        return sum(1 for row in self.rows if row.user is not None)

    @property
    def failed_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _import_row(kind: str, values: dict[str, str], seen: set[str]) -> tuple[str, dict[str, Any], list[DomainError]]:
    errors: list[DomainError] = []
    fields: dict[str, Any] = {}
    account = ""
    if kind == User.Kind.INDIVIDUAL:
        account = values["id_number"].strip().upper()
        try:
            account = parse_mainland_id(values["id_number"]).number
        except DomainError as error:
            errors.append(error)
        try:
            fields["real_name"] = validate_real_name(values["real_name"])
        except DomainError as error:
            errors.append(error)
        if not errors and account in seen:
            errors.append(DomainError(ErrorCode.DUPLICATE_IN_FILE, field="idNumber"))
        elif not errors and User.objects.filter(Q(id_number=account) | Q(username=account)).exists():
            errors.append(DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber"))
        fields.update(id_number=account, roles=[Role.CANDIDATE])
    else:
        account = values["credit_code"].strip().upper()
        try:
            account = validate_credit_code(values["credit_code"])
        except DomainError as error:
            errors.append(error)
        name = " ".join(values["name"].split())
        if not 2 <= len(name) <= ENTERPRISE_NAME_MAX_LENGTH:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="name"))
        fields["real_name"] = name
        if not errors and account in seen:
            errors.append(DomainError(ErrorCode.DUPLICATE_IN_FILE, field="creditCode"))
        elif not errors and User.objects.filter(Q(credit_code=account) | Q(username=account)).exists():
            errors.append(DomainError(ErrorCode.CREDIT_CODE_TAKEN, field="creditCode"))
        fields.update(credit_code=account, roles=[Role.ENTERPRISE])
    if values.get("phone", "").strip():
        try:
            fields["phone"] = validate_mainland_mobile(values["phone"])
        except DomainError as error:
            errors.append(error)
    if values.get("email", "").strip():
        email = values["email"].strip()
        try:
            validate_email(email)
            fields["email"] = email
        except ValidationError:
            errors.append(DomainError(ErrorCode.EMAIL_INVALID, field="email"))
    if not errors:
        seen.add(account)  # only rows that will be created count as the first of a duplicate
    return account, fields, errors


def accounts_import(*, actor: Any, kind: str, data: bytes, filename: str, now: datetime | None = None) -> ImportReport:
    """Provision accounts from a CSV/XLSX of individuals (ID number) or enterprises (credit code), seed 003.

    The account name is the ID number / credit code, the initial password its last 6 characters (letters
    upper-case), and the password must be changed at first login. Bad rows are reported with their codes
    and create nothing; good rows are created. Province administrators only.
    """
    require_role(actor, Role.PROVINCE_ADMIN)
    now = _now(now)
    if kind not in IMPORT_COLUMNS:
        raise DomainError(ErrorCode.INVALID_INPUT, field="kind")
    table = read_table(data, filename=filename, columns=IMPORT_COLUMNS[kind], optional=("phone", "email"))
    seen: set[str] = set()
    results: list[ImportRowResult] = []
    with transaction.atomic():
        for row in table:
            account, fields, errors = _import_row(kind, row.values, seen)
            result = ImportRowResult(row_number=row.row_number, account=account, errors=errors)
            results.append(result)
            if errors:
                continue
            user = User(username=account, kind=kind, must_change_password=True, **fields)
            user.set_password(initial_password_for(account))
            try:
                with transaction.atomic():
                    user.save()
                    audit_record(actor=actor, action="account_import", target=user)
            except IntegrityError:
                code = ErrorCode.ID_NUMBER_TAKEN if kind == User.Kind.INDIVIDUAL else ErrorCode.CREDIT_CODE_TAKEN
                result.errors.append(DomainError(code))
                continue
            result.user = user
    return ImportReport(rows=results)


def account_password_reset(*, actor: Any, account: str, now: datetime | None = None) -> User:
    """A province administrator resets an enterprise account to its initial password (seed 001).

    The account must change it at its next login; its tokens and sessions die and its lockout is lifted.
    """
    require_role(actor, Role.PROVINCE_ADMIN)
    now = _now(now)
    user = account_find(account=account)
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="account")
    if user.kind != User.Kind.ENTERPRISE or not user.credit_code:
        raise DomainError(ErrorCode.ACCOUNT_NOT_ENTERPRISE, field="account")
    with transaction.atomic():
        _password_set(user=user, password=initial_password_for(user.credit_code), now=now, must_change=True)
        audit_record(actor=actor, action="account_password_reset", target=user)
    throttle_clear(key=f"login:account:{user.pk}")
    return user


# ------------------------------------------------------------------------------------ account settings


def account_id_number_bind(*, user: User, actor: Any, id_number: str) -> User:
    """绑定证件号 (seed 000 §2 "绑定证件号后可用证件号登录"): the candidate's own profile ID number becomes a
    login name of the account. It must be the number of the profile (ID_NUMBER_PROFILE_MISMATCH otherwise:
    fill the profile first) and no other account of the province may use it (ID_NUMBER_TAKEN)."""
    from profiles.models import CandidateProfile, IdType

    require_role(actor, Role.CANDIDATE)
    if actor.pk != user.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    raw = (id_number or "").strip().upper()
    if not raw:
        raise DomainError(ErrorCode.ID_NUMBER_INVALID, field="idNumber")
    profile = CandidateProfile.objects.filter(user_id=user.pk).first()
    if profile is not None and profile.id_type == IdType.MAINLAND_ID:
        raw = parse_mainland_id(raw, today=timezone.localdate()).number
    if profile is None or not profile.id_number or profile.id_number.upper() != raw:
        raise DomainError(ErrorCode.ID_NUMBER_PROFILE_MISMATCH, field="idNumber")
    if user.id_number == raw:
        return user
    taken = User.objects.filter(Q(id_number=raw) | Q(username=raw) | Q(credit_code=raw)).exclude(pk=user.pk)
    if taken.exists():
        raise DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber")
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            before = locked.id_number
            locked.id_number = raw
            locked.save(update_fields=["id_number"])
            audit_record(actor=actor, action="account_id_number_bind", target=locked,
                         data={"rebound": bool(before)})
    except IntegrityError:
        raise DomainError(ErrorCode.ID_NUMBER_TAKEN, field="idNumber") from None
    user.id_number = raw
    return user


def _contact_destination(channel: str, value: str) -> str:
    if channel == VerificationCode.Channel.SMS:
        return validate_mainland_mobile(value)
    if channel == VerificationCode.Channel.EMAIL:
        email = (value or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(ErrorCode.EMAIL_INVALID, field="email") from None
        return email
    raise DomainError(ErrorCode.INVALID_INPUT, field="channel")


def account_contact_code_send(
    *, user: User, channel: str, destination: str, client_address: str = "", now: datetime | None = None
) -> datetime:
    """账号设置: send a code to the new phone (SMS) or email the account wants to bind; returns its expiry.
    The code belongs to this account and this destination; the usual budgets apply (one per 60 s, hourly)."""
    now = _now(now)
    if user is None or not getattr(user, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    clean = _contact_destination(channel, destination)
    row = _code_send(purpose=VerificationCode.Purpose.BIND, channel=channel, destination=clean, user=user,
                     client_address=client_address, now=now)
    return row.expires_at


def _contact_bind(*, user: User, channel: str, value: str, code: str, now: datetime | None) -> User:
    """Check the account's code for `value` first; only then say whether another account holds it (each such
    answer costs one of the code's tries, as at registration); bind it on success."""
    now = _now(now)
    clean = _contact_destination(channel, value)
    is_phone = channel == VerificationCode.Channel.SMS
    code_field = "smsCode" if is_phone else "emailCode"
    failure: DomainError | None = None
    with transaction.atomic():
        failure = _code_use(purpose=VerificationCode.Purpose.BIND, destination=clean, user=user, code=code or "",
                            now=now, field=code_field, consume=False)
        if failure is None:
            others = User.objects.exclude(pk=user.pk)
            taken = others.filter(phone=clean) if is_phone else others.filter(email__iexact=clean)
            if taken.exists():
                row = (VerificationCode.objects.select_for_update()
                       .filter(purpose=VerificationCode.Purpose.BIND, destination=clean, user=user)
                       .order_by("-created_at").first())
                if row is not None:
                    row.attempts += 1
                    if row.attempts >= CODE_MAX_WRONG_TRIES:
                        row.burned_at = now
                    row.save(update_fields=["attempts", "burned_at"])
                failure = DomainError(ErrorCode.PHONE_TAKEN if is_phone else ErrorCode.EMAIL_TAKEN,
                                      field="phone" if is_phone else "email")
        if failure is None:
            _code_use(purpose=VerificationCode.Purpose.BIND, destination=clean, user=user, code=code or "",
                      now=now, field=code_field)
            locked = User.objects.select_for_update().get(pk=user.pk)
            name = "phone" if is_phone else "email"
            changed = bool(getattr(locked, name))
            setattr(locked, name, clean)
            locked.save(update_fields=[name])
            audit_record(actor=user, action=f"account_{name}_bind", target=locked, data={"changed": changed})
            setattr(user, name, clean)
    if failure is not None:
        raise failure
    return user


def account_phone_bind(*, user: User, phone: str, sms_code: str, now: datetime | None = None) -> User:
    """Bind or change the account's mobile number, verified by the code sent to it (account_contact_code_send)."""
    return _contact_bind(user=user, channel=VerificationCode.Channel.SMS, value=phone, code=sms_code, now=now)


def account_email_bind(*, user: User, email: str, email_code: str, now: datetime | None = None) -> User:
    """Bind or change the account's email, verified by the code sent to it (account_contact_code_send)."""
    return _contact_bind(user=user, channel=VerificationCode.Channel.EMAIL, value=email, code=email_code, now=now)
