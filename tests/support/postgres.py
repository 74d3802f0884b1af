"""A throwaway PostgreSQL server for the test suite.

Usage::

    from tests.support.postgres import postgres_server

    with postgres_server() as url:   # "postgresql+psycopg://servicekonto@127.0.0.1:PORT/servicekonto_test"
        engine = sqlalchemy.create_engine(url)
        ...

The server is a fresh cluster (Debian's binaries, newest version found under
/usr/lib/postgresql/*/bin) in a new temporary directory. It listens on 127.0.0.1
only, on a free port, with its unix socket inside that directory, and trusts every
connection (it holds nothing but test data and is gone afterwards). PostgreSQL will
not run as root, so under root the cluster is created and run as the ``postgres``
system user (``runuser -u postgres --``).

On leaving the ``with`` block (also on an exception) the server is stopped with
``pg_ctl stop -m immediate`` and the directory deleted; an ``atexit`` hook does the
same if the block is never left normally. Clusters left behind by a test process
that was killed (SIGKILL) are reaped the next time a server is started.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlsplit, unquote

__all__ = [
    "DEFAULT_DBNAME",
    "DEFAULT_USER",
    "PostgresServer",
    "create_database",
    "drop_database",
    "find_pg_bindir",
    "postgres_server",
]

DEFAULT_DBNAME = "servicekonto_test"
DEFAULT_USER = "servicekonto"
PG_ROOT = Path("/usr/lib/postgresql")
DIR_PREFIX = "servicekonto-pg-"
OWNER_FILE = "owner.pid"


# --------------------------------------------------------------------------- helpers


def find_pg_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres: $SERVICEKONTO_PG_BINDIR, else the
    newest /usr/lib/postgresql/<version>/bin, else wherever ``initdb`` is on PATH."""
    override = os.environ.get("SERVICEKONTO_PG_BINDIR")
    if override:
        return Path(override)

    def version_key(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.name)) or (0,)

    candidates = [
        d / "bin"
        for d in (PG_ROOT.iterdir() if PG_ROOT.is_dir() else [])
        if re.match(r"^\d+(\.\d+)*$", d.name) and (d / "bin" / "initdb").exists() and (d / "bin" / "pg_ctl").exists()
    ]
    if candidates:
        return max(candidates, key=lambda b: version_key(b.parent))
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH). "
        "Install them with `make deps` (Debian package 'postgresql')."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _conninfo(url: str) -> dict[str, object]:
    """psycopg connection keywords from a SQLAlchemy-style postgres URL."""
    parts = urlsplit(url)
    info: dict[str, object] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "dbname": unquote(parts.path.lstrip("/")) or "postgres",
    }
    if parts.username:
        info["user"] = unquote(parts.username)
    if parts.password:
        info["password"] = unquote(parts.password)
    return info


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + quote(dbname)).geturl()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_database(url: str, name: str) -> str:
    """Create database ``name`` on the server of ``url``; return the URL for it."""
    import psycopg

    info = _conninfo(_with_dbname(url, "postgres"))
    with psycopg.connect(**info, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE {_quote_ident(name)} ENCODING 'UTF8' TEMPLATE template0")
    return _with_dbname(url, name)


def drop_database(url: str, name: str) -> None:
    """Drop database ``name`` (if it exists) on the server of ``url``, closing its connections."""
    import psycopg

    info = _conninfo(_with_dbname(url, "postgres"))
    with psycopg.connect(**info, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


# --------------------------------------------------------------------------- server


class PostgresServer:
    """One throwaway cluster. Prefer the :func:`postgres_server` context manager."""

    def __init__(
        self,
        dbname: str = DEFAULT_DBNAME,
        *,
        user: str = DEFAULT_USER,
        timeout: float = 30.0,
        bindir: Path | str | None = None,
        max_connections: int = 100,
    ) -> None:
        self.dbname = dbname
        self.max_connections = max_connections
        self.user = user
        self.timeout = timeout
        self.bindir = Path(bindir) if bindir else find_pg_bindir()
        self.run_as: str | None = "postgres" if os.geteuid() == 0 else None
        self.base: Path | None = None
        self.port: int | None = None
        self._lock = threading.Lock()

    # paths ------------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    @property
    def sockdir(self) -> Path:
        assert self.base is not None
        return self.base / "sock"

    @property
    def logfile(self) -> Path:
        assert self.base is not None
        return self.base / "postgres.log"

    @property
    def admin_url(self) -> str:
        """URL of the always-present ``postgres`` maintenance database."""
        return f"postgresql+psycopg://{quote(self.user)}@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{quote(self.user)}@127.0.0.1:{self.port}/{quote(self.dbname)}"

    # process helpers ----------------------------------------------------------
    def _cmd(self, *args: str | os.PathLike[str]) -> list[str]:
        cmd = [str(a) for a in args]
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *cmd]
        return cmd

    def _run(self, *args: str | os.PathLike[str], check: bool = True, timeout: float | None = None):
        env = dict(os.environ, LC_ALL="C", LANG="C")
        env.pop("PGDATA", None)
        proc = subprocess.run(
            self._cmd(*args),
            cwd=self.base,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout + 30,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(str(a) for a in args)} failed with exit {proc.returncode}:\n"
                f"{proc.stdout}{proc.stderr}{self._log_excerpt()}"
            )
        return proc

    def _log_excerpt(self, lines: int = 60) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except (OSError, AssertionError):
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- PostgreSQL log ({self.logfile}) ---\n{tail}\n--- end of log ---" if tail else ""

    # lifecycle ------------------------------------------------------------------
    def start(self) -> str:
        """Create, start and wait for the cluster; create the database. Returns :attr:`url`."""
        _reap_orphans()
        base_tmp = os.environ.get("SERVICEKONTO_PG_TMPDIR") or tempfile.gettempdir()
        self.base = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=base_tmp))
        _register(self)
        try:
            (self.base / OWNER_FILE).write_text(f"{os.getpid()}\n")
            self.sockdir.mkdir(mode=0o700)
            if self.run_as:
                try:
                    pw = pwd.getpwnam(self.run_as)
                except KeyError:
                    raise RuntimeError(
                        f"running as root, but there is no '{self.run_as}' system user to run PostgreSQL as "
                        "(install the Debian package 'postgresql')"
                    ) from None
                for p in (self.base, self.sockdir):
                    os.chown(p, pw.pw_uid, pw.pw_gid)
                # the postgres user must be able to reach the temp dir
                probe = subprocess.run(self._cmd("test", "-w", self.base), cwd="/", capture_output=True)
                if probe.returncode != 0:
                    raise RuntimeError(
                        f"user '{self.run_as}' cannot write to {self.base}; "
                        "set SERVICEKONTO_PG_TMPDIR to a directory it can reach (e.g. /tmp)"
                    )

            self._run(
                self.bindir / "initdb",
                "-D", self.datadir,
                "-U", self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            self._configure()
            self._start_with_retries()
            self._wait_ready()
            if self.dbname != "postgres":
                create_database(self.admin_url, self.dbname)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _configure(self) -> None:
        (self.datadir / "pg_hba.conf").write_text(
            "# throwaway test cluster: trust, but only via its private socket dir and 127.0.0.1\n"
            "local   all   all                 trust\n"
            "host    all   all   127.0.0.1/32  trust\n"
        )
        with open(self.datadir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# --- servicekonto test cluster ---\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockdir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                f"max_connections = {self.max_connections}\n"
                "logging_collector = off\n"
                "timezone = 'UTC'\n"
            )

    def _start_with_retries(self, attempts: int = 3) -> None:
        last: Exception | None = None
        for _ in range(attempts):
            self.port = _free_port()
            conf = self.datadir / "postgresql.auto.conf"
            conf.write_text(f"port = {self.port}\n")
            proc = self._run(
                self.bindir / "pg_ctl",
                "-D", self.datadir,
                "-l", self.logfile,
                "-w", "-t", str(int(self.timeout)),
                "start",
                check=False,
            )
            if proc.returncode == 0:
                return
            last = RuntimeError(
                f"pg_ctl start failed with exit {proc.returncode}:\n{proc.stdout}{proc.stderr}{self._log_excerpt()}"
            )
            # another process may have grabbed the port between probe and bind: try another one
            self._pg_ctl_stop()
            log = self._log_excerpt(200)
            if "could not bind" not in log and "TCP/IP sockets" not in log:
                break
        assert last is not None
        raise last

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.timeout
        info = _conninfo(self.admin_url)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(**info, connect_timeout=2) as conn:
                    conn.execute("select 1").fetchone()
                return
            except psycopg.Error as exc:
                last_error = exc
                time.sleep(0.2)
        raise RuntimeError(
            f"PostgreSQL on 127.0.0.1:{self.port} did not accept connections within {self.timeout:.0f} s: "
            f"{last_error}{self._log_excerpt()}"
        )

    def shut_down(self) -> None:
        """Stop the server as an operator would for a restart (``pg_ctl stop -m fast``:
        open transactions are rolled back, every client is disconnected), keeping its
        data and port for :meth:`start_again`."""
        self._run(self.bindir / "pg_ctl", "-D", self.datadir, "-m", "fast", "-w", "-t", str(int(self.timeout)),
                  "stop")

    def start_again(self) -> None:
        """Start the server stopped by :meth:`shut_down`; returns once it accepts connections."""
        self._run(self.bindir / "pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t",
                  str(int(self.timeout)), "start")
        self._wait_ready()

    def _pg_ctl_stop(self) -> None:
        if self.base is not None:
            _stop_cluster(self.bindir, self.run_as, self.base)

    def stop(self) -> None:
        """Stop the server (immediate mode) and delete its directory. Idempotent."""
        with self._lock:
            base = self.base
            if base is None:
                return
            try:
                _stop_cluster(self.bindir, self.run_as, base)
            finally:
                self.base = None
                shutil.rmtree(base, ignore_errors=True)
                _unregister(self)

    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def postgres_server(
    dbname: str = DEFAULT_DBNAME,
    *,
    user: str = DEFAULT_USER,
    timeout: float = 30.0,
) -> Iterator[str]:
    """Start a throwaway cluster and yield the SQLAlchemy URL of database ``dbname``:
    ``postgresql+psycopg://<user>@127.0.0.1:<port>/<dbname>``. Always stopped and
    deleted afterwards."""
    server = PostgresServer(dbname, user=user, timeout=timeout)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


# --------------------------------------------------------------------------- cleanup

_live: set[PostgresServer] = set()
_live_lock = threading.Lock()


def _register(server: PostgresServer) -> None:
    with _live_lock:
        _live.add(server)


def _unregister(server: PostgresServer) -> None:
    with _live_lock:
        _live.discard(server)


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        servers = list(_live)
    for server in servers:
        server.stop()


def _stop_cluster(bindir: Path, run_as: str | None, base: Path) -> None:
    """``pg_ctl stop -m immediate`` the cluster in ``base``/data if it runs; SIGKILL as fallback."""
    datadir = base / "data"
    if not (datadir / "postmaster.pid").exists():
        return
    cmd = [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "-t", "30", "stop"]
    if run_as:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    try:
        proc = subprocess.run(cmd, cwd="/", stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        ok = proc.returncode == 0
        if not ok:
            print(f"warning: pg_ctl stop failed: {proc.stdout}{proc.stderr}", file=sys.stderr)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"warning: pg_ctl stop failed: {exc}", file=sys.stderr)
        ok = False
    if not ok:
        _kill_postmaster(datadir)


def _kill_postmaster(datadir: Path) -> None:
    """Last resort: SIGKILL the postmaster named in postmaster.pid."""
    try:
        pid = int((datadir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"postgres" in cmdline and str(datadir).encode() in cmdline:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def _reap_orphans() -> None:
    """Remove clusters of earlier test processes that died without cleaning up."""
    base_tmp = Path(os.environ.get("SERVICEKONTO_PG_TMPDIR") or tempfile.gettempdir())
    try:
        entries = list(base_tmp.glob(DIR_PREFIX + "*"))
    except OSError:
        return
    for d in entries:
        try:
            owner = int((d / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        if _pid_alive(owner):
            continue
        _stop_cluster(find_pg_bindir(), "postgres" if os.geteuid() == 0 else None, d)
        shutil.rmtree(d, ignore_errors=True)
