"""POSTs to a provider, with a timeout. The one place that talks to the network; tests replace ``post_form``
(or point the provider URL at a local fake server on 127.0.0.1)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request


class TransportError(Exception):
    """The provider could not be reached or refused the request.

    ``status`` is the HTTP status when the provider answered (else None); ``reply`` its JSON body, if any.
    """

    def __init__(self, message: str, *, status: int | None = None, reply: dict | None = None):
        super().__init__(message)
        self.status = status
        self.reply = reply or {}


def _check_url(url: str) -> None:
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise TransportError("provider URLs must use https")


def _parse(body: bytes) -> dict:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _send(request: urllib.request.Request, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked by _check_url
            body = response.read()
    except urllib.error.HTTPError as error:
        try:
            reply = _parse(error.read())
        except OSError:
            reply = {}
        raise TransportError(f"HTTP {error.code}", status=error.code, reply=reply) from None
    except OSError as error:
        raise TransportError(str(error)) from None
    return _parse(body)


def post_form(url: str, data: dict[str, str], *, username: str = "", password: str = "", timeout: float = 10.0) -> dict:
    """POST form fields; return the JSON reply (or an empty dict). Raises TransportError on any failure."""
    _check_url(url)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")  # noqa: S310 - scheme checked above
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    if username:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    return _send(request, timeout)


def post_json(url: str, payload: dict, *, bearer: str = "", timeout: float = 10.0) -> dict:
    """POST a JSON object; return the JSON reply (or an empty dict).

    Raises TransportError on any failure; for an HTTP error status the error carries the status and the reply's
    JSON body, so the caller can tell "this recipient cannot be reached this way" from "the gateway is down".
    """
    _check_url(url)
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - scheme checked above
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("Accept", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    return _send(request, timeout)
