"""Response headers every page and endpoint gets, and answers that do not tell by
their timing which branch ran."""
import time
from contextlib import contextmanager

from flask import request

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


_ALWAYS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Pages show personal data; nothing of them belongs in a shared cache.
PAGE_CACHE = ("Cache-Control", "no-store")


_WANTED = {(secure, html): _ALWAYS + ((HSTS,) if secure else ()) + ((PAGE_CACHE,) if html else ())
           for secure in (False, True) for html in (False, True)}


def security_headers(secure: bool, html: bool) -> tuple[tuple[str, str], ...]:
    """The headers an answer gets unless its view set them itself."""
    return _WANTED[secure, html]


def add_security_headers(response):
    # One pass over the headers already set (a view may set its own CSP or cache
    # rule) instead of a scan per header: this runs on every answer.
    headers = response.headers
    present = {key.lower() for key, _ in headers.items()}
    for key, value in security_headers(request.is_secure, response.mimetype == "text/html"):
        if key.lower() not in present:
            headers.add(key, value)
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
