"""Bulk provisioning (seed 003) through a real multipart upload: XLSX and CSV, good rows and bad rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from gql import Client, FileVar, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from openpyxl import Workbook

from accounts.models import Role, User
from core.identity import credit_code_check_char, id_number_check_digit, initial_password_for
from tenants.context import province_scope
from tests.support.accounts import api_login, codes
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = """
mutation($kind: ImportKind!, $file: Upload!) {
  accountsImport(kind: $kind, file: $file) {
    createdCount failedCount
    rows { rowNumber account created errors { code field } }
    errors { code }
  }
}"""


def id_number(serial: int) -> str:
    first17 = f"53010219900101{serial:03d}"
    return first17 + id_number_check_digit(first17)


def credit_code(serial: int) -> str:
    first17 = f"9153010{serial:09d}A"
    return first17 + credit_code_check_char(first17)


def upload(server: LiveServer, token: str | None, kind: str, data: bytes, filename: str) -> Any:
    # Multipart is a "simple" cross-site content type: a program sends a preflight header (login CSRF, issue 17).
    headers = {"Host": "yunnan.localhost", "GraphQL-Preflight": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    transport = RequestsHTTPTransport(url=server.http_url(), headers=headers, timeout=30)
    with Client(transport=transport) as session:
        request = gql(IMPORT)
        request.variable_values = {"kind": kind, "file": FileVar(io.BytesIO(data), filename=filename)}
        return session.execute(request, upload_files=True, get_execution_result=True)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["云南省考生账号批量导入"])  # a title row above the header, as templates have
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def admin_token(yunnan: object) -> str:
    return make_account(yunnan, username="yunnan_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)[1]


def test_individuals_from_xlsx_good_rows_created_bad_rows_reported(
    asgi_server: LiveServer, yunnan: object, admin_token: str
) -> None:
    make_account(yunnan, username="existing", roles=[Role.CANDIDATE], id_number=id_number(9))
    broken = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
    data = xlsx([
        ["*身份证号码", "*姓名", "手机号码", "邮箱"],
        [id_number(1), "张三", "15112341180", ""],  # row 3: good
        [broken, "李四", "", ""],  # row 4: bad check digit
        [id_number(3), "X", "123", "not-an-email"],  # row 5: three bad fields
        [id_number(9), "王五", "", ""],  # row 6: already an account
        [id_number(4).lower(), "阿沛·阿旺晋美", "", "a@example.com"],  # row 7: good (lower-case x is fine)
        [id_number(1), "张三", "", ""],  # row 8: repeats row 3
    ])
    result = upload(asgi_server, admin_token, "INDIVIDUAL", data, "考生.xlsx")
    assert result.errors is None, result.errors
    payload = result.data["accountsImport"]
    assert payload["errors"] == []
    assert (payload["createdCount"], payload["failedCount"]) == (2, 4)
    report = {row["rowNumber"]: (row["created"], [e["code"] for e in row["errors"]]) for row in payload["rows"]}
    assert report == {
        3: (True, []),
        4: (False, ["ID_NUMBER_INVALID"]),
        5: (False, ["REAL_NAME_INVALID", "PHONE_INVALID", "EMAIL_INVALID"]),
        6: (False, ["ID_NUMBER_TAKEN"]),
        7: (True, []),
        8: (False, ["DUPLICATE_IN_FILE"]),
    }
    with province_scope(yunnan):
        created = User.objects.get(username=id_number(1))
        assert created.id_number == id_number(1) and created.real_name == "张三" and created.phone == "15112341180"
        assert created.roles == [Role.CANDIDATE] and created.must_change_password
        assert created.check_password(initial_password_for(id_number(1)))
        assert not User.objects.filter(username__in=[broken, id_number(3)]).exists()


def test_enterprises_from_csv_then_forced_first_change(
    asgi_server: LiveServer, yunnan: object, admin_token: str
) -> None:
    code_a, code_b = credit_code(1), credit_code(2)
    bad_check = credit_code(3)[:-1] + ("1" if credit_code(3)[-1] != "1" else "2")
    csv_text = (
        "统一社会信用代码,企业名称,联系电话\r\n"
        f"{code_a},昆明公交集团有限公司,13800138000\r\n"
        f"{bad_check},坏的代码公司,\r\n"
        f"{code_b},,\r\n"
        f"{code_b.lower()},云南出租汽车有限公司,\r\n"
    )
    result = upload(asgi_server, admin_token, "ENTERPRISE", csv_text.encode("utf-8-sig"), "enterprises.csv")
    payload = result.data["accountsImport"]
    report = [(row["rowNumber"], row["account"], [e["code"] for e in row["errors"]]) for row in payload["rows"]]
    assert report == [
        (2, code_a, []), (3, bad_check, ["CREDIT_CODE_INVALID"]), (4, code_b, ["INVALID_INPUT"]), (5, code_b, []),
    ]
    # The enterprise logs in with its credit code and the last 6 characters, and must change at once
    url = asgi_server.http_url()
    initial = initial_password_for(code_b)
    login = api_login(url, "yunnan.localhost", yunnan, account=code_b, password=initial, role="ENTERPRISE")
    assert login["errors"] == [] and login["mustChangePassword"] is True
    bearer = {"Authorization": f"Bearer {login['token']}"}
    # Nothing else works before the change
    _, body = post_graphql(url, "{ me { username } }", host="yunnan.localhost", headers=bearer)
    assert body["errors"][0]["extensions"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    # The change works (the initial password itself breaks the 8-character rule, so it is always replaced)
    change = """mutation($old: String!) { passwordChange(oldPassword: $old, newPassword: "Kunming_2026",
                newPasswordConfirmation: "Kunming_2026") { token errors { code } } }"""
    _, body = post_graphql(url, change, host="yunnan.localhost", variables={"old": initial}, headers=bearer)
    fresh = body["data"]["passwordChange"]
    assert fresh["errors"] == []
    _, body = post_graphql(url, "{ me { username kind mustChangePassword } }", host="yunnan.localhost",
                           headers={"Authorization": f"Bearer {fresh['token']}"})
    assert body["data"]["me"] == {"username": code_b, "kind": "enterprise", "mustChangePassword": False}


def test_a_file_that_cannot_be_read_is_one_error(asgi_server: LiveServer, yunnan: object, admin_token: str) -> None:
    result = upload(asgi_server, admin_token, "INDIVIDUAL", b"name,phone\r\nx,y\r\n", "wrong-columns.csv")
    assert codes(result.data["accountsImport"]) == ["IMPORT_FILE_INVALID"]
    result = upload(asgi_server, admin_token, "INDIVIDUAL", b"%PDF-1.4", "accounts.pdf")
    assert codes(result.data["accountsImport"]) == ["IMPORT_FILE_INVALID"]


@pytest.mark.parametrize(
    "roles", [[Role.CANDIDATE], [Role.ENTERPRISE], [Role.EXAM_ADMIN], [Role.REVIEW_DEPARTMENT], [Role.SITE_REVIEWER]]
)
def test_only_a_province_administrator_may_import(asgi_server: LiveServer, yunnan: object, roles: list[str]) -> None:
    _, token = make_account(yunnan, username="someone", roles=roles)
    data = f"身份证号码,姓名\r\n{id_number(1)},张三\r\n".encode()
    result = upload(asgi_server, token, "INDIVIDUAL", data, "a.csv")
    assert codes(result.data["accountsImport"]) == ["PERMISSION_DENIED"]
    with province_scope(yunnan):
        assert not User.objects.filter(username=id_number(1)).exists()


def test_import_needs_a_login(asgi_server: LiveServer, yunnan: object) -> None:
    with pytest.raises(TransportQueryError) as refused:
        upload(asgi_server, None, "INDIVIDUAL", b"x", "a.csv")
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_tianjin_administrator_token_cannot_import_into_yunnan(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    _, token = make_account(tianjin, username="tianjin_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    with pytest.raises(TransportQueryError) as refused:
        upload(asgi_server, token, "INDIVIDUAL", f"身份证号码,姓名\r\n{id_number(1)},张三\r\n".encode(), "a.csv")
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "PROVINCE_MISMATCH"
