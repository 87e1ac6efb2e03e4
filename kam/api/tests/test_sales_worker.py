"""An ERP export sent to the API of a running kam (`kam serve --with-worker`, production
settings, its own database on SQLite or PostgreSQL): the worker imports it, the job says so,
and the lines are listed by the order-lines endpoint."""

import json
import os
import secrets
import time
import urllib.error
import urllib.request

import pytest

from kam.web.tests.browser.server import KamServer

pytestmark = pytest.mark.slow
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本"


@pytest.fixture
def site():
    server = KamServer(os.environ.get("DATABASE_URL"))
    server.env.update(KAM_JOB_HEARTBEAT_SECONDS="0.5", KAM_WORKER_SWEEP_SECONDS="1")
    try:
        server.migrate()
        server.kam("collectstatic", "--noinput", "-v", "0")
        server.token = server.python(
            "from kam.conftest import make_user\n"
            "from kam.users.services import create_api_token\n"
            "_row, result = create_api_token(make_user('finance', 'finance'), 'erp')"
        )
        server.start()
        yield server
    finally:
        server.stop()


def call(site, method: str, path: str, body: bytes | None = None, content_type: str = ""):
    request = urllib.request.Request(f"{site.url}{path}", data=body, method=method)
    request.add_header("Authorization", f"Bearer {site.token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def test_an_upload_is_imported_by_the_worker_and_its_lines_are_listed(site):
    rows = [
        f"C{i % 30:03d},客户{i % 30},SO-{i // 3},{i % 3 + 1},2025-0{i % 9 + 1}-05,轴承,1,10,10.00,"
        for i in range(3000)  # over the anonymous body limit; no cost: unknown
    ]
    content = ("\n".join([HEADER, *rows]) + "\n").encode()
    body, content_type = multipart({"source": "erp-api"}, "orders.csv", content)
    status, job = call(site, "POST", "/api/v1/imports/", body, content_type)
    assert status == 202, job
    assert job["state"] in ("queued", "running", "done") and job["origin"] == "api"
    deadline = time.monotonic() + 120
    while job["state"] not in ("done", "rejected", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
        status, job = call(site, "GET", f"/api/v1/imports/{job['id']}/")
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == 3000 and job["result"]["lines_added"] == 3000
    assert job["started_at"] <= job["finished_at"]
    # finance sees no account, so asks as an executive would: make one and list the lines
    boss = site.python(
        "from kam.conftest import make_user\n"
        "from kam.users.services import create_api_token\n"
        "_row, result = create_api_token(make_user('boss', 'executive'), 'bi')"
    )
    site.token = boss
    status, page = call(site, "GET", "/api/v1/order-lines/?source=erp-api&limit=2")
    assert status == 200 and page["count"] == 3000
    assert page["results"][0]["amount"] == "10.00" and page["results"][0]["cost"] is None
