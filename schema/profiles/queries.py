from __future__ import annotations

import strawberry

from profiles import selectors
from profiles.ethnicities import ETHNIC_GROUPS
from schema.accounts.auth import require_actor, require_roles
from schema.base import db_resolver
from schema.profiles.types import DocumentType, Ethnicity, ProfileCompleteness, ProfileType

MY_DOCUMENTS_LIMIT = 100


@strawberry.type
class ProfileQuery:
    @strawberry.field(description="The caller's own profile; null until the first profileUpdate or upload.")
    @db_resolver
    def my_profile(self, info: strawberry.Info) -> ProfileType | None:
        profile = selectors.profile_for(user=require_actor(info))
        return ProfileType.from_model(profile) if profile is not None else None

    @strawberry.field(description="What is missing before the caller may register for an exam.")
    @db_resolver
    def profile_completeness(self, info: strawberry.Info) -> ProfileCompleteness:
        return ProfileCompleteness.of(selectors.profile_missing_items(user=require_actor(info)))

    @strawberry.field(description="A candidate's profile, for reviewers and the province admin of this province.")
    @db_resolver
    def candidate_profile(self, info: strawberry.Info, user_id: strawberry.ID) -> ProfileType | None:
        viewer = require_roles(info, *selectors.PROFILE_VIEWER_ROLES)
        try:
            wanted = int(user_id)
        except ValueError:
            return None
        profile = selectors.profile_for_staff(viewer=viewer, user_id=wanted)
        return ProfileType.from_model(profile) if profile is not None else None

    @strawberry.field(description="The caller's documents, newest first (at most 100).")
    @db_resolver
    def my_documents(self, info: strawberry.Info) -> list[DocumentType]:
        documents = selectors.documents_of(owner=require_actor(info))[:MY_DOCUMENTS_LIMIT]
        return [DocumentType.from_model(document) for document in documents]

    @strawberry.field(description="The 56 recognised ethnic groups, for the profile form.")
    def ethnicities(self) -> list[Ethnicity]:
        return [Ethnicity(code=code, name=name) for code, name in ETHNIC_GROUPS]
