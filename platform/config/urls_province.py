"""URLs of a province (host yunnan.<base> or prefix /p/yunnan/)."""

from django.contrib import admin
from django.urls import path

from core.views import healthz
from drivers.views import payment_callback
from exams.views import admission_ticket_check_page
from pages.views import seat_board, seat_board_embed
from profiles.downloads import file_authenticated, file_signed
from schema.views import graphql_http_view

admin.site.site_header = "交通运输安全考核平台 · 省级管理"

urlpatterns = [
    path("graphql/", graphql_http_view(), name="graphql"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Pages people open: the live seat board (embeddable) and its embed script.
    path("seats/", seat_board, name="seat-board"),
    path("seats/embed.js", seat_board_embed, name="seat-board-embed"),
    # 准考证核验: what an admission ticket's QR code opens (exam-site staff, after logging in here).
    path("verify/admission-ticket", admission_ticket_check_page, name="admission-ticket-check"),
    # Private files: short-lived signed links (what the API hands out), or the caller's own token.
    path("files/signed/<str:token>", file_signed, name="file_signed"),
    path("files/<str:kind>/<str:object_id>", file_authenticated, name="file_authenticated"),
    # Payment providers' signed notifications (drivers: exam fees).
    path("payments/<str:provider>/callback", payment_callback, name="payment_callback"),
]

handler500 = "core.views.server_error"
