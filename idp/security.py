"""Response headers every page and endpoint gets, and answers that do not tell by
their timing which branch ran."""
import time
from contextlib import contextmanager

from flask import request

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        # Pages show personal data; nothing of them belongs in a shared cache.
        headers.setdefault("Cache-Control", "no-store")
    return response


@contextmanager
def uniform_duration(seconds: float):
    """Let the block take at least `seconds`, so that the answer's timing does not
    tell which branch ran (e.g. whether an address has an account). The floor must
    lie above the slower branch's usual time; bench/password_reset_timing.py shows
    both."""
    deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
