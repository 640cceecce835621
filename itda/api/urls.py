"""The JSON API under /api/v1/ (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.urls import include, path

from itda.api import telephony
from itda.api.api import api

app_name = "api"

# ninja's own URL names ("openapi-json", "programs", ...) go straight into the "api" namespace,
# which ninja's docs page reverses as f"{urls_namespace}:openapi-json".
# The telephony provider's webhooks (signed; see itda/api/telephony.py).
api.add_router("/telephony/", telephony.router)
patterns, _ninja_app_name, _namespace = api.urls
urlpatterns = [path("v1/", include(patterns))]
