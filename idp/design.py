"""The look of the pages: the KERN UX design system (@kern-ux/native) and the state's
logo, both served by the IdP itself (no CDN: the CSP allows only 'self').

Where the files are is settled once, when the app is made: a missing KERN build stops
the start with a message saying how to get it, instead of pages without styles."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, abort, send_file, send_from_directory

from .config import Settings

# The URL carries the KERN version (or a hash of its stylesheet), so browsers may keep
# the files for a year: a new version is a new URL.
LONG_CACHE = 365 * 24 * 3600
STYLESHEET = "kern.min.css"
FONTS = "fonts/fira-sans.css"


class DesignAssetsMissing(RuntimeError):
    pass


def kern_version(dist: Path) -> str:
    """The package's version from its package.json beside dist/, else a hash of the
    stylesheet (a copy deployed without its package.json)."""
    package = dist.parent / "package.json"
    if package.is_file():
        version = json.loads(package.read_text(encoding="utf-8")).get("version")
        if version:
            return str(version)
    return hashlib.sha256((dist / STYLESHEET).read_bytes()).hexdigest()[:12]


def init_app(app: Flask, settings: Settings) -> None:
    dist = settings.kern_dist.resolve()
    if not (dist / STYLESHEET).is_file() or not (dist / FONTS).is_file():
        raise DesignAssetsMissing(
            f"KERN UX is missing: no {STYLESHEET} and {FONTS} in {dist}. Run `make deps` (npm ci installs "
            "@kern-ux/native) or point SERVICEKONTO_KERN_DIST at the dist/ directory of @kern-ux/native.")
    logo = settings.logo.resolve() if settings.logo else None
    if logo is not None and not logo.is_file():
        raise DesignAssetsMissing(f"SERVICEKONTO_LOGO: no file {logo}")
    version = kern_version(dist)

    def kern_asset(version: str, filename: str):
        if version != app.extensions["servicekonto.kern_version"]:
            abort(404)
        response = send_from_directory(dist, filename, max_age=LONG_CACHE)
        response.cache_control.immutable = True
        return response

    def state_logo():
        return send_file(logo, max_age=3600)

    app.extensions["servicekonto.kern_version"] = version
    app.add_url_rule("/kern/<version>/<path:filename>", "kern_asset", kern_asset)
    if logo is not None:
        app.add_url_rule(f"/logo{logo.suffix.lower()}", "state_logo", state_logo)

    @app.context_processor
    def design():
        return {"kern_version": version, "has_logo": logo is not None}
