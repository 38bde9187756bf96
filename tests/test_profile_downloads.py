"""Downloads of private files (profiles.downloads): signed links and the authenticated view, on the real server.

Only the owner and the reviewer staff of the file's province get it; another candidate, staff of another
province, a tampered or expired link, a link of a replaced file or of a viewer who lost the right: refused.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from accounts.models import Role, User
from core.selectors import audit_entries_for
from profiles.models import Attachment
from tenants.context import province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.graphql import post_graphql, upload_graphql
from tests.support.http import fetch
from tests.support.ids import gid, pk
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

YUNNAN = "yunnan.localhost"
TIANJIN = "tianjin.localhost"
UPLOAD = """
mutation ($file: Upload!) {
  profileAttachmentUpload(kind: ID_FRONT, file: $file) { attachment { id downloadUrl } errors { code } }
}
"""
MY_PROFILE = "{ myProfile { attachments { id kind downloadUrl } } }"
STAFF_VIEW = """
query ($accountId: ID!) {
  candidateProfile(accountId: $accountId) { realName attachments { id kind downloadUrl } }
}
"""


@dataclass
class Scene:
    owner: User
    owner_token: str
    attachment_id: str
    stored: bytes
    signed_url: str


@pytest.fixture
def scene(asgi_server: LiveServer, yunnan: Any, storage_root: Path) -> Scene:
    owner, token = make_account(yunnan, username="candidate_dl", roles=[Role.CANDIDATE])
    body = upload_graphql(
        asgi_server.http_url(),
        UPLOAD,
        host=YUNNAN,
        variables={},
        files={"file": ("front.png", files.png(), "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    attachment = body["data"]["profileAttachmentUpload"]["attachment"]
    with province_scope(yunnan):
        storage_name = Attachment.objects.get(pk=pk(attachment["id"])).storage_name
    stored = (storage_root / "yunnan" / storage_name).read_bytes()
    return Scene(owner, token, attachment["id"], stored, attachment["downloadUrl"])


def test_given_the_owner_when_following_the_signed_link_then_the_file_with_safe_headers(
    asgi_server: LiveServer, scene: Scene
) -> None:
    # Given: the link names the province's host (as the client addressed it) and a signed token, never a path
    assert scene.signed_url.startswith(f"http://{YUNNAN}/files/signed/")
    assert "profiles/" not in scene.signed_url
    # When: no header at all, as a browser would follow it
    response = fetch(asgi_server, scene.signed_url, host=YUNNAN)
    # Then
    assert response.status == 200
    assert response.body == scene.stored
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"


def test_given_the_owner_when_using_the_authenticated_view_then_the_file(asgi_server: LiveServer, scene: Scene) -> None:
    response = fetch(asgi_server, f"/files/attachment/{scene.attachment_id}", host=YUNNAN, token=scene.owner_token)
    assert response.status == 200 and response.body == scene.stored
    assert response.headers["content-disposition"] == 'attachment; filename="id_front.png"'
    # Without a token: refused
    assert fetch(asgi_server, f"/files/attachment/{scene.attachment_id}", host=YUNNAN).code() == "UNAUTHENTICATED"


def test_given_a_reviewer_of_the_province_when_viewing_the_candidate_then_the_file_and_an_audit_row(
    asgi_server: LiveServer, yunnan: Any, scene: Scene
) -> None:
    # Given
    reviewer, token = make_account(yunnan, username="review_dl", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    # When: the staff query hands out the reviewer's own link
    status, body = post_graphql(
        asgi_server.http_url(),
        STAFF_VIEW,
        host=YUNNAN,
        variables={"accountId": gid("Account", "yunnan", scene.owner.pk)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200, body
    [attachment] = body["data"]["candidateProfile"]["attachments"]
    assert attachment["downloadUrl"] != scene.signed_url  # bound to the viewer
    response = fetch(asgi_server, attachment["downloadUrl"], host=YUNNAN)
    # Then
    assert response.status == 200 and response.body == scene.stored
    with province_scope(yunnan):
        entry = audit_entries_for(target_type="profiles.attachment", target_id=str(pk(scene.attachment_id))).filter(
            action="file_download"
        ).get()
    assert entry.actor_id == reviewer.pk


def test_given_another_candidate_when_fetching_then_refused(
    asgi_server: LiveServer, yunnan: Any, scene: Scene
) -> None:
    # Given
    _, token = make_account(yunnan, username="candidate_nosy", roles=[Role.CANDIDATE])
    auth = {"Authorization": f"Bearer {token}"}
    # When / Then: the authenticated view does not even tell the file exists
    response = fetch(asgi_server, f"/files/attachment/{scene.attachment_id}", host=YUNNAN, token=token)
    assert (response.status, response.code()) == (404, "NOT_FOUND")
    assert scene.stored not in response.body
    # and the staff query is not theirs
    _, body = post_graphql(
        asgi_server.http_url(), STAFF_VIEW, host=YUNNAN,
        variables={"accountId": gid("Account", "yunnan", scene.owner.pk)}, headers=auth,
    )
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # and their own profile lists nothing of the owner
    _, body = post_graphql(asgi_server.http_url(), MY_PROFILE, host=YUNNAN, headers=auth)
    assert body["data"]["myProfile"] is None


def test_given_staff_of_another_province_when_fetching_then_refused(
    asgi_server: LiveServer, tianjin: Any, scene: Scene
) -> None:
    # Given: a Tianjin reviewer and province admin
    _, token = make_account(tianjin, username="tj_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    # When: their token on Yunnan's authenticated view
    response = fetch(asgi_server, f"/files/attachment/{scene.attachment_id}", host=YUNNAN, token=token)
    # Then
    assert (response.status, response.code()) == (401, "PROVINCE_MISMATCH")
    # When: on their own province's host, the same id (Tianjin's schema has no such file)
    response = fetch(asgi_server, f"/files/attachment/{scene.attachment_id}", host=TIANJIN, token=token)
    assert (response.status, response.code()) == (404, "NOT_FOUND")
    # When: Yunnan's signed link presented to Tianjin's host
    response = fetch(asgi_server, scene.signed_url, host=TIANJIN)
    assert (response.status, response.code()) == (403, "DOWNLOAD_LINK_INVALID")
    # When: asking Yunnan's API for a link with a Tianjin token
    _, body = post_graphql(
        asgi_server.http_url(),
        STAFF_VIEW,
        host=YUNNAN,
        variables={"accountId": gid("Account", "yunnan", scene.owner.pk)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"


def test_given_a_tampered_link_when_followed_then_refused(asgi_server: LiveServer, scene: Scene) -> None:
    prefix, token = scene.signed_url.rsplit("/", 1)
    payload, timestamp, signature = token.rsplit(":", 2)
    # Another attachment id in the payload, keeping the signature; or a flipped signature character
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["i"] = int(decoded["i"]) + 1
    forged = base64.urlsafe_b64encode(json.dumps(decoded, separators=(",", ":")).encode()).rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for url in (f"{prefix}/{forged}:{timestamp}:{signature}", f"{prefix}/{payload}:{timestamp}:{flipped}"):
        response = fetch(asgi_server, url, host=YUNNAN)
        assert (response.status, response.code()) == (403, "DOWNLOAD_LINK_INVALID")
        assert scene.stored not in response.body


def test_given_an_expired_link_when_followed_then_refused(
    asgi_server: LiveServer, scene: Scene, settings: Any
) -> None:
    # Given: links live three seconds, and a link fresh from the API (the fixture's may be older on a busy box)
    settings.DOWNLOAD_LINK_MAX_AGE_SECONDS = 3
    _, body = post_graphql(
        asgi_server.http_url(), "{ myProfile { attachments { downloadUrl } } }", host=YUNNAN,
        headers={"Authorization": f"Bearer {scene.owner_token}"},
    )
    [attachment] = body["data"]["myProfile"]["attachments"]
    assert fetch(asgi_server, attachment["downloadUrl"], host=YUNNAN).status == 200
    # When
    time.sleep(3.5)
    response = fetch(asgi_server, attachment["downloadUrl"], host=YUNNAN)
    # Then
    assert (response.status, response.code()) == (403, "DOWNLOAD_LINK_INVALID")


def test_given_a_replaced_file_when_its_old_link_is_followed_then_refused(
    asgi_server: LiveServer, scene: Scene
) -> None:
    body = upload_graphql(
        asgi_server.http_url(),
        UPLOAD,
        host=YUNNAN,
        variables={},
        files={"file": ("new.jpg", files.jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {scene.owner_token}"},
    )
    new_url = body["data"]["profileAttachmentUpload"]["attachment"]["downloadUrl"]
    assert fetch(asgi_server, scene.signed_url, host=YUNNAN).code() == "DOWNLOAD_LINK_INVALID"
    response = fetch(asgi_server, new_url, host=YUNNAN)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"


def test_given_a_reviewer_who_lost_the_role_when_following_an_earlier_link_then_refused(
    asgi_server: LiveServer, yunnan: Any, scene: Scene
) -> None:
    reviewer, token = make_account(yunnan, username="review_gone", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    _, body = post_graphql(
        asgi_server.http_url(),
        STAFF_VIEW,
        host=YUNNAN,
        variables={"accountId": gid("Account", "yunnan", scene.owner.pk)},
        headers={"Authorization": f"Bearer {token}"},
    )
    url = body["data"]["candidateProfile"]["attachments"][0]["downloadUrl"]
    with province_scope(yunnan):
        User.objects.filter(pk=reviewer.pk).update(roles=[])
    assert fetch(asgi_server, url, host=YUNNAN).code() == "DOWNLOAD_LINK_INVALID"


def test_given_the_path_prefix_when_asking_for_links_then_they_keep_the_prefix(
    asgi_server: LiveServer, scene: Scene
) -> None:
    _, body = post_graphql(
        asgi_server.http_url("/p/yunnan/graphql/"),
        MY_PROFILE,
        host="localhost",
        headers={"Authorization": f"Bearer {scene.owner_token}"},
    )
    url = body["data"]["myProfile"]["attachments"][0]["downloadUrl"]
    assert urlsplit(url).path.startswith("/p/yunnan/files/signed/")
    response = fetch(asgi_server, url, host="localhost")
    assert response.status == 200 and response.body == scene.stored
