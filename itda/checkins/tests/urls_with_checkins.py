"""The site's URLs plus the two check-in mounts the lead adds to the real URL maps, for tests that need them now.

- a test-only API (namespace "api") with ``itda.api.telephony``'s router at /api/v1/telephony/;
- the portal's patterns with ``itda.portal.checkin_urls`` at /check-in/ (namespace "portal").

Patterns listed first win their namespace when reversing, so ``api:telephony_voice``
and ``portal:checkin_answer`` resolve here while every other page still works.
"""

from django.urls import include, path
from ninja import NinjaAPI

from itda.api.telephony import make_router
from itda.portal import urls as portal_urls

telephony_test_api = NinjaAPI(title="telephony webhooks (tests)", version="telephony-test", urls_namespace="api", docs_url=None)
telephony_test_api.add_router("/telephony/", make_router())

portal_with_checkins = [*portal_urls.urlpatterns, path("check-in/", include("itda.portal.checkin_urls"))]

urlpatterns = [
    path("api/v1/", telephony_test_api.urls),
    path("", include((portal_with_checkins, "portal"))),
    path("", include("itda.urls")),
]
