"""`servicekonto` as the operator runs it, with the settings it reads from the environment.

`run` runs the command in this process, as a process of its own would: a process costs
2-3 s per call (every import, then the app), and the CLI tests make hundreds of calls.
`run_process` starts the installed console script, for the few tests that keep the
script itself proven."""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from flask import has_app_context
from flask.globals import app_ctx

from idp import cli, timeutil
from idp.extensions import db

REPO = Path(__file__).resolve().parents[2]
SERVICEKONTO = str(Path(sys.executable).parent / "servicekonto")


@dataclass(frozen=True)
class Completed:
    """What the tests read of a finished command (the fields of subprocess.CompletedProcess)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run(env: dict, *args: str) -> Completed:
    """The command with exactly `env` as its environment, its own stdin/stdout/stderr,
    the real clock, a logging setup of its own and no app context or audit source
    left behind: the same answer as from `run_process`, without the process."""
    with _environment(env), _real_clock(), _fresh_logging():
        # A copy of this context holds what the command sets for the rest of its
        # "process" (the app context it pushes, the audit source "cli"); the test's
        # own context never sees them.
        returncode, stdout, stderr = contextvars.copy_context().run(_invoke, list(args))
    return Completed([SERVICEKONTO, *args], returncode, stdout, stderr)


def run_process(env: dict, *args: str) -> subprocess.CompletedProcess:
    """The installed console script in a process of its own. Only a few tests use it
    (it costs seconds per call): they prove the entry point itself — the script, its
    imports, its exit codes and streams — which `run` takes for granted."""
    return subprocess.run([SERVICEKONTO, *args], env=env, capture_output=True, text=True, timeout=120)


def base_env(tmp_path: Path, database_url: str, **extra) -> dict:
    """The environment of the command, without the settings of whoever runs the tests."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SMTP_URL", "SECRET_KEY", "SERVICEKONTO_SIMULATORS")}
    env.update(SERVICEKONTO_INSTANCE_DIR=str(tmp_path / "instance"), SERVICEKONTO_KEYS_DIR=str(tmp_path / "keys"),
               DATABASE_URL=database_url,
               # The console script imports the installed package (a shared virtualenv may
               # point at another checkout); the code under test comes first.
               PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def app_env(app, tmp_path: Path) -> dict:
    """The command against the database of the running test IdP, so what it does is
    what the IdP then serves."""
    settings = app.config["SERVICEKONTO"]
    return base_env(tmp_path, settings.database_url, SERVICEKONTO_ISSUER=settings.issuer)


def run_cli(app, tmp_path: Path, *args: str) -> Completed:
    return run(app_env(app, tmp_path), *args)


def _invoke(args: list[str]) -> tuple[int, str, str]:
    outer = app_ctx._get_current_object() if has_app_context() else None
    # An empty stdin and stdout/stderr of its own (no test types into the command).
    with CliRunner().isolation() as (stdout, stderr, _):
        try:
            # What the console script does: main() exits with the command's code.
            cli.main.main(args=args, prog_name="servicekonto")
            returncode = 0
        except SystemExit as done:
            returncode = _exit_status(done.code)
        except Exception:
            # The interpreter's answer to an uncaught exception.
            traceback.print_exc(file=sys.stderr)
            returncode = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            _end_apps_after(outer)
        return returncode, stdout.getvalue().decode("utf-8"), stderr.getvalue().decode("utf-8")


def _exit_status(code) -> int:
    """sys.exit(code) as the interpreter ends a process with it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _end_apps_after(outer) -> None:
    """Pop the app contexts the command pushed (cli._app() never pops: its process
    ends) and close their database connections, so no SQLite file or PostgreSQL
    connection stays held by an app nobody uses any more."""
    apps = []
    while has_app_context() and app_ctx._get_current_object() is not outer:
        ctx = app_ctx._get_current_object()
        apps.append(ctx.app)
        ctx.pop()  # its teardown ends the session
    for app in apps:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@contextlib.contextmanager
def _environment(env: dict):
    """Exactly `env`, as a process started with it sees it."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _real_clock():
    """The test may have moved the IdP's clock (timeutil.travel); a command started
    meanwhile would run on the real one."""
    saved = timeutil._offset
    timeutil.travel(None)
    try:
        yield
    finally:
        timeutil.travel(saved)


@contextlib.contextmanager
def _fresh_logging():
    """Logging as a new process has it (no handlers: warnings go to its stderr), and
    afterwards as before: `mail send` configures JSON lines on the stderr of its run,
    which must not stay the handler of the tests."""
    loggers = [logging.root, *(logger for logger in logging.Logger.manager.loggerDict.values()
                                 if isinstance(logger, logging.Logger))]
    saved = {logger: (logger.handlers[:], logger.level, logger.propagate, logger.disabled) for logger in loggers}
    logging.root.handlers = []
    logging.root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger in [logging.root, *logging.Logger.manager.loggerDict.values()]:
            if not isinstance(logger, logging.Logger):
                continue
            # A logger the command created goes back to the defaults of a new one.
            handlers, level, propagate, disabled = saved.get(logger, ([], logging.NOTSET, True, False))
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.handlers = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled
