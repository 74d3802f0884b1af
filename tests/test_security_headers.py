"""The headers every answer gets (idp/security.py), and that a view's own choice wins."""
from __future__ import annotations


def test_pages_get_the_protective_headers_and_no_caching(user_agent):
    r = user_agent.get("/anmelden")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == "no-store"
    # Plain http (development): no HSTS.
    assert "Strict-Transport-Security" not in r.headers


def test_a_views_own_cache_rule_is_kept_and_each_header_is_sent_once(user_agent):
    r = user_agent.get("/jwks")
    assert r.headers.getlist("Cache-Control") == ["public, max-age=300"]
    assert len(r.headers.getlist("Content-Security-Policy")) == 1
    assert "Cache-Control" not in user_agent.get("/.well-known/openid-configuration").headers
