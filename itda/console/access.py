"""The console's one gate: sign-in first, then the role a page needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def allowed(predicate: Callable[[object], bool]):
    """View decorator: an anonymous visitor is sent to sign in; a signed-in user for whom ``predicate(user)``
    is false gets 403. Refusals change nothing. The record-level check stays with the view's query."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def signed_in(user) -> bool:
    """Any signed-in user: for pages whose own query decides what they may see."""
    return True
