"""An anonymous client cannot make kam read or store a large request body: it gets 413 at
once. Signed-in users keep the import page's own, larger limit."""

import os
import secrets
import socket
import subprocess
import sys
import time

import pytest
from django.urls import reverse

from kam.web.tests.browser.server import free_port

HUGE = 210 * 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def post_announcing(client, url: str, **headers):
    return client.generic(
        "POST",
        url,
        content_type="multipart/form-data; boundary=x",
        **{"wsgi.input": UnreadableBody(), **headers},
    )


def test_an_anonymous_huge_body_gets_413_unread(client, db):
    response = post_announcing(client, reverse("login"), CONTENT_LENGTH=str(HUGE))
    assert response.status_code == 413
    assert "64 KiB" in response.content.decode()
    assert "Content-Security-Policy" in response


def test_an_anonymous_chunked_body_gets_413_unread(client, db):
    response = post_announcing(
        client, reverse("login"), CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 413


def test_the_anonymous_limit_is_a_setting(client, db, settings):
    settings.KAM_ANONYMOUS_MAX_BODY_BYTES = 100
    response = client.post(reverse("login"), {"username": "x" * 200, "password": "y"})
    assert response.status_code == 413


def test_a_normal_login_form_passes(client, cast):
    from kam.conftest import CAST_PASSWORD

    response = client.post(reverse("login"), {"username": "owner_kam", "password": CAST_PASSWORD})
    assert response.status_code == 302


def test_signed_in_users_may_send_more_than_anonymous_ones(client, owner_kam):
    form = {"language": "en", "next": "/", "padding": "x" * 200_000}
    assert client.post(reverse("set_language"), form).status_code == 413
    client.force_login(owner_kam)
    assert client.post(reverse("set_language"), form).status_code == 302


def test_signed_in_users_are_held_to_the_import_limit(client, owner_kam, settings):
    settings.KAM_IMPORT_MAX_UPLOAD_BYTES = 1000
    client.force_login(owner_kam)
    response = post_announcing(client, reverse("sales:import"), CONTENT_LENGTH=str(HUGE))
    assert response.status_code == 413


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """`kam serve` as in production. The refusal needs no database: none is set up."""
    folder = tmp_path_factory.mktemp("serve")
    (folder / "static").mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "KAM_VAR_DIR": str(folder),
        "STATIC_ROOT": str(folder / "static"),
        "DATABASE_URL": f"sqlite:///{folder / 'none.sqlite3'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kam.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def answer_to(port: int, head: bytes, body_start: bytes) -> tuple[bytes, float]:
    """Send a request's head and the start of its body, never the rest; return the status
    line and the seconds it took: the server must answer without waiting for the body."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body_start)
        answer = sock.recv(4096)
    return answer.split(b"\r\n", 1)[0], time.monotonic() - started


@pytest.mark.slow
def test_a_real_server_refuses_a_huge_login_post_at_once(gunicorn):
    head = (
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {HUGE}\r\n\r\n".encode()
    )
    status, seconds = answer_to(gunicorn, head, b"x" * 1024 * 1024)
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert seconds < 5


@pytest.mark.slow
def test_a_real_server_refuses_a_chunked_login_post_at_once(gunicorn):
    head = (
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    status, seconds = answer_to(gunicorn, head, b"%x\r\n%s\r\n" % (len(chunk), chunk))
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert seconds < 5
