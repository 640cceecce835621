"""The stylesheet and htmx come from our own origin: no CDN at run time."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.parametrize("path", ["css/itda.css", "vendor/htmx.min.js"])
def test_the_portals_static_files_are_found_by_django(path):
    found = finders.find(path)

    assert found is not None
    assert str(found).endswith(f"itda/static/{path}")


def test_every_page_loads_the_vendored_htmx_and_the_stylesheet(korean_client):
    response = korean_client.get("/")

    html = response.content.decode()
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/itda.css">' in html
    assert "https://" not in html.split("</head>")[0]
