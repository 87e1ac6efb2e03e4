"""A real kam server for the browser tests: gunicorn (`kam serve`) on 127.0.0.1 with its own
throwaway database and the demo company, configured as in production (DEBUG off, static
files collected and served by whitenoise), so the browser sees what a customer would.

The database never is pytest-django's: SQLite lives in a temporary KAM_VAR_DIR, and on
PostgreSQL a separate database is created next to the one in DATABASE_URL and dropped
afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
STARTUP_SECONDS = 60
COMMAND_SECONDS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


class PostgresDatabase:
    """A database of its own on the PostgreSQL server that DATABASE_URL points at."""

    def __init__(self, url: str, name: str):
        parts = urlsplit(url)
        self.name = name
        self.url = urlunsplit(parts._replace(path=f"/{name}"))
        self._admin_url = urlunsplit(parts._replace(path="/postgres"))

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def create(self) -> None:
        self.drop()
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class KamServer:
    """Set up, run and query one kam installation in a temporary folder."""

    def __init__(self, database_url: str | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="kam-browser-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = self.folder / "server.log"
        self.database = (
            PostgresDatabase(database_url, f"kam_browser_{os.getpid()}")
            if is_postgres(database_url)
            else None
        )
        self.env = self._environment()
        self._process: subprocess.Popen | None = None
        self._log = None

    @property
    def backend(self) -> str:
        return "postgresql" if self.database else "sqlite"

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "LANGUAGE_CODE", "STATIC_ROOT"}
        }
        env.update(
            KAM_VAR_DIR=str(self.folder / "var"),
            STATIC_ROOT=str(self.folder / "static"),
            DJANGO_SETTINGS_MODULE="kam.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS=f"{HOST},localhost",
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="0",
            KAM_REQUIRE_2FA_FOR_ADMINS="false",  # the tests log in as boss with a password only
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        if self.database:
            env["DATABASE_URL"] = self.database.url
        return env

    # -- set-up ---------------------------------------------------------------------------

    def kam(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run a `kam` management command against this installation; fail loudly."""
        return self._finish(self._spawn(*args, env=env), args)

    def _spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "kam.cli", *args],
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def _finish(process: subprocess.Popen, args) -> str:
        try:
            out, err = process.communicate(timeout=COMMAND_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(
                f"`kam {' '.join(args)}` failed ({process.returncode}):\n{out}\n{err}"
            )
        return out

    def python(self, code: str):
        """Run `code` inside Django against this installation's database and return what it
        assigns to `result` (JSON-able): how the tests check what the pages wrote."""
        script = (
            "import json, django\ndjango.setup()\n"
            f"{code}\n"
            "print('@@RESULT@@' + json.dumps(result, default=str))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"query failed:\n{code}\n{done.stderr}")
        marked = [line for line in done.stdout.splitlines() if line.startswith("@@RESULT@@")]
        return json.loads(marked[-1].removeprefix("@@RESULT@@"))

    def migrate(self) -> None:
        """Only the database, without demo data or static files (for tests without pages)."""
        (self.folder / "var").mkdir()
        if self.database:
            self.database.create()
        self.kam("migrate", "--noinput", "-v", "0")

    def spawn(self, *args: str, env: dict[str, str] | None = None, **options) -> subprocess.Popen:
        """A `kam` command running beside the test (a worker, an import)."""
        return subprocess.Popen(
            [sys.executable, "-m", "kam.cli", *args],
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **options,
        )

    def prepare(self) -> None:
        """Migrate, collect static files and load the demo company."""
        (self.folder / "var").mkdir()
        if self.database:
            self.database.create()
        static = ("collectstatic", "--noinput", "-v", "0")
        collecting = self._spawn(*static)  # needs no database: runs alongside
        try:
            self.kam("migrate", "--noinput", "-v", "0")
            self.kam("demo", env={"DEBUG": "true"})  # `kam demo` refuses when DEBUG is off
        finally:
            self._finish(collecting, static)

    # -- running --------------------------------------------------------------------------

    def start(self) -> None:
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "kam.cli", "serve", "--host", HOST, "--port", str(self.port)),
                *("--workers", "2", "--with-worker"),
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"kam serve exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError as error:  # up, but broken: no use waiting
                raise RuntimeError(
                    f"kam serve answered {error.code}:\n{self.log_tail()}"
                ) from error
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"kam serve did not answer within {STARTUP_SECONDS} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log:
            self._log.close()
        if self.database:
            self.database.drop()
        shutil.rmtree(self.folder, ignore_errors=True)
