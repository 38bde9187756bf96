"""URLs of the national scope (the base domain): registry, national data, public verification."""

from django.urls import path

from certificates.views import verify
from core.views import healthz
from schema.views import graphql_http_view
from tenants.admin import national_admin_site

urlpatterns = [
    path("graphql/", graphql_http_view(), name="graphql"),
    path("healthz", healthz, name="healthz"),
    path("verify", verify, name="certificate-verify"),
    path("admin/", national_admin_site.urls),
]

handler500 = "core.views.server_error"
