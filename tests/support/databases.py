"""A database of its own for a test that runs the migrations from scratch, on the same
kind of server as the test run (SQLite or the run's PostgreSQL cluster)."""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'leer.db'}"
        return
    from tests.support.postgres import create_database, drop_database

    name = "leer_" + secrets.token_hex(4)
    url = create_database(database_url, name)
    try:
        yield url
    finally:
        drop_database(database_url, name)
