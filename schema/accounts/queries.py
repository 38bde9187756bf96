from __future__ import annotations

import strawberry
import strawberry_django

from accounts.services import captcha_issue
from core.errors import DomainError
from schema.accounts.auth import require_actor
from schema.accounts.types import AccountType, CaptchaType
from schema.base import client_address, db_resolver, language


@strawberry.type
class AccountQuery:
    @strawberry_django.field(description="The calling account (unauthenticated: a top-level UNAUTHENTICATED error).")
    def me(self, info: strawberry.Info) -> AccountType:
        return require_actor(info)  # type: ignore[return-value]

    @strawberry.field(description="A new one-time image captcha for login and password recovery (5 minutes).")
    @db_resolver
    def captcha(self, info: strawberry.Info) -> CaptchaType:
        from schema.root import PublicError

        try:
            issued = captcha_issue(client_address=client_address(info))
        except DomainError as error:  # only RATE_LIMITED: too many captchas from one address
            raise PublicError(error.message(language(info))) from error
        return CaptchaType.from_issued(issued)
