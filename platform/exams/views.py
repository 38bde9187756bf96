"""准考证核验: the page a ticket's QR code opens, for exam-site staff (`/verify/admission-ticket?token=…`).

Staff log in on the page itself (password and image captcha, a session of this province); then it shows the
candidate's photo, name, masked ID number, exam, session and seat, or "无效" for a forged or stale token.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.services import account_login, captcha_issue
from core.client_address import client_address_from
from core.errors import DomainError, ErrorCode, message_for
from exams.tickets import admission_ticket_check
from pages.headers import not_embeddable

_SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Refusals that mean "this account cannot check tickets here": show the login form again.
_LOGIN_AGAIN = {ErrorCode.PERMISSION_DENIED, ErrorCode.UNAUTHENTICATED}


def _client_address(request: HttpRequest) -> str:
    return client_address_from(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"), settings.PLATFORM_TRUSTED_PROXIES
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"  # personal data on a shared device: never cached
    return not_embeddable(response)


def _login_form(request: HttpRequest, message: str = "", account: str = "", status: int = 200) -> HttpResponse:
    try:
        captcha = captcha_issue(client_address=_client_address(request))
    except DomainError as error:  # too many captchas from this address
        return _page(request, "pages/ticket_login.html", {"message": error.message("zh"), "captcha": None}, 429)
    image = "data:image/png;base64," + base64.b64encode(captcha.png).decode()
    return _page(
        request, "pages/ticket_login.html",
        {"message": message, "account": account, "captcha": {"id": str(captcha.id), "image": image}}, status,
    )


def _login(request: HttpRequest) -> HttpResponse:
    account = request.POST.get("account", "").strip()
    try:
        result = account_login(
            account=account,
            password=request.POST.get("password", ""),
            captcha_id=request.POST.get("captcha_id", ""),
            captcha_answer=request.POST.get("captcha_answer", ""),
            role="staff",
            client_address=_client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as error:
        return _login_form(request, error.message("zh"), account)
    session_login(request, result.user, backend=_SESSION_BACKEND)
    return HttpResponseRedirect(request.get_full_path())  # back to the same ticket, now as staff


@require_http_methods(["GET", "POST"])
def admission_ticket_check_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "logout":
            session_logout(request)
            return HttpResponseRedirect(request.get_full_path())
        return _login(request)
    user: Any = request.user
    if not user.is_authenticated:
        return _login_form(request)
    if user.must_change_password:
        return _login_form(request, message_for(ErrorCode.PASSWORD_CHANGE_REQUIRED))
    token = request.GET.get("token", "").strip()
    if not token:
        return _page(request, "pages/ticket_check.html", {"user": user, "missing": True})
    try:
        check = admission_ticket_check(actor=user, token=token, request=request)
    except DomainError as error:
        if error.code in _LOGIN_AGAIN:
            session_logout(request)
            return _login_form(request, "该账号不是考务人员账号，请用考务人员账号登录", status=403)
        return _page(request, "pages/ticket_check.html", {"user": user, "invalid": True}, status=200)
    photo = None
    if check.photo is not None:
        photo = f"data:{check.photo_content_type};base64," + base64.b64encode(check.photo).decode()
    return _page(request, "pages/ticket_check.html", {"user": user, "ticket": check.ticket, "photo": photo})
