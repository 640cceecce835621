"""Form POSTs to a provider, with a timeout. The one place that talks to the network; tests replace ``post_form``."""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request


class TransportError(Exception):
    """The provider could not be reached or refused the request."""


def post_form(url: str, data: dict[str, str], *, username: str = "", password: str = "", timeout: float = 10.0) -> dict:
    """POST form fields; return the JSON reply (or an empty dict). Raises TransportError on any failure."""
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise TransportError("provider URLs must use https")
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")  # noqa: S310 - scheme checked above
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    if username:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            body = response.read()
    except OSError as error:
        raise TransportError(str(error)) from None
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}
