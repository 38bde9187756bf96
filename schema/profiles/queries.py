from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from core.errors import DomainError, ErrorCode
from profiles import selectors
from profiles.ethnicities import ETHNIC_GROUPS
from profiles.models import CandidateProfile, Document
from schema.accounts.auth import require_actor, require_roles
from schema.accounts.types import AccountType
from schema.base import coded_error, db_resolver
from schema.profiles.types import DocumentType, Ethnicity, ProfileCompleteness, ProfileType
from schema.relay import pk_of


@strawberry.type
class ProfileQuery:
    @strawberry_django.field(description="The caller's own profile; null until the first profileUpdate or upload.")
    def my_profile(self, info: strawberry.Info) -> ProfileType | None:
        return CandidateProfile.objects.filter(user=require_actor(info)).first()  # type: ignore[return-value]

    @strawberry.field(description="What is missing before the caller may register for an exam.")
    @db_resolver
    def profile_completeness(self, info: strawberry.Info) -> ProfileCompleteness:
        return ProfileCompleteness.of(selectors.profile_missing_items(user=require_actor(info)))

    @strawberry_django.field(
        description="A candidate's profile by their account's ID, for reviewers and the province admin; null when "
        "the account has none or is not of this province."
    )
    def candidate_profile(self, info: strawberry.Info, account_id: strawberry.ID) -> ProfileType | None:
        viewer = require_roles(info, *selectors.PROFILE_VIEWER_ROLES)
        try:
            wanted = pk_of(info, account_id, AccountType, field="accountId")
        except DomainError as error:
            if error.code == ErrorCode.NOT_FOUND:
                return None
            raise coded_error(info, error) from error
        return selectors.profile_for_staff(viewer=viewer, user_id=wanted)  # type: ignore[return-value]

    @strawberry_django.connection(
        DjangoListConnection[DocumentType], description="The caller's documents, newest first."
    )
    def my_documents(self, info: strawberry.Info) -> QuerySet[Document]:
        return selectors.documents_of(owner=require_actor(info))

    @strawberry_django.connection(
        DjangoListConnection[ProfileType],
        description="Staff: profiles whose identity awaits a check (unverified, both ID card sides uploaded), "
        "oldest first; decide with profileIdentityReview.",
    )
    def profiles_awaiting_identity_check(self, info: strawberry.Info) -> QuerySet[CandidateProfile]:
        viewer = require_roles(info, *selectors.PROFILE_VIEWER_ROLES)
        return selectors.profiles_awaiting_identity_check(viewer=viewer)

    @strawberry.field(description="The 56 recognised ethnic groups, for the profile form.")
    def ethnicities(self) -> list[Ethnicity]:
        return [Ethnicity(code=code, name=name) for code, name in ETHNIC_GROUPS]
