"""A test-only root urlconf: the real one, with the self-check pages inside the portal namespace.

Until ``path("self-check/", include("itda.portal.selfcheck_urls"))`` is in itda/portal/urls.py,
tests reach the self-check pages through this. Once it is there, nothing is added twice.
"""

from django.urls import include, path

from itda import urls as root
from itda.portal import urls as portal_urls

_WIRED = any(str(getattr(pattern, "pattern", "")) == "self-check/" for pattern in portal_urls.urlpatterns)
_portal_patterns = [*portal_urls.urlpatterns]
if not _WIRED:
    _portal_patterns.append(path("self-check/", include("itda.portal.selfcheck_urls")))

urlpatterns = [
    path("", include((_portal_patterns, "portal"))),
    *(pattern for pattern in root.urlpatterns if getattr(pattern, "namespace", None) != "portal"),
]
