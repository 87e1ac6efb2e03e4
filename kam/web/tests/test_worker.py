"""`kam worker` and the import lock, as an operator meets them: real processes (the worker,
two `kam import` commands) against a real installation on SQLite or PostgreSQL
(DATABASE_URL), never the test's own database.

- a worker killed with SIGKILL mid-import leaves no line written; the job is failed within
  seconds (the heartbeat timeout is a setting) and the next import is accepted and run;
- two imports at once: the second is refused with who started the first and when, exit
  code 75, no traceback; the first finishes;
- an import over its time or memory limit fails with that reason; the worker goes on.
"""

from __future__ import annotations

import signal
import time

import pytest

from .browser.server import KamServer

pytestmark = pytest.mark.slow
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本"
FAST = {  # seconds, so that a dead run is noticed within the test's patience
    "KAM_JOB_HEARTBEAT_SECONDS": "0.5",
    "KAM_JOB_HEARTBEAT_TIMEOUT": "3",
    "KAM_WORKER_SWEEP_SECONDS": "1",
    "LANGUAGE_CODE": "en",
}
BUSY = "Another import is running (started by boss at "


def orders_csv(path, lines: int, prefix: str = "SO") -> str:
    rows = [HEADER]
    for i in range(lines):
        code = i % 300
        rows.append(
            f"C{code:04d},客户{code},{prefix}-{i // 4},{i % 4 + 1},2024-{i % 12 + 1:02d}-05,"
            "轴承,10,100,1000.00,700.00"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def site():
    import os

    server = KamServer(os.environ.get("DATABASE_URL"))
    server.env.update(FAST)
    try:
        server.migrate()
        server.python(
            "from kam.conftest import make_user\nmake_user('boss', 'executive')\nresult = 1"
        )
        yield server
    finally:
        server.stop()


def queue_page_import(site: KamServer, path: str) -> int:
    """What the import page does: keep the upload in the storage, start the import."""
    return site.python(
        f"""
from django.core.files import File
from kam.sales import web_import
from kam.users.models import User
with open({path!r}, "rb") as data:
    job = web_import.save_upload(File(data, name="orders.csv"), User.objects.get(username="boss"))
job.source = "erp"
job.save()
result = web_import.start_import(job, background=True).pk
"""
    )


def job_state(site: KamServer, pk: int) -> dict:
    return site.python(
        f"""
from kam.sales.models import ImportJob, OrderLine
job = ImportJob.objects.get(pk={pk})
result = {{"state": job.state, "error": job.error, "lock": job.lock, "done": job.done,
          "lines": OrderLine.objects.count()}}
"""
    )


def wait_for(site: KamServer, pk: int, states: set[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while (found := job_state(site, pk))["state"] not in states:
        assert time.monotonic() < deadline, found
        time.sleep(0.3)
    return found


def writing(site: KamServer, pk: int, seconds: float = 60) -> None:
    """Until the import reports its first lines written (the child's heartbeat)."""
    deadline = time.monotonic() + seconds
    while not (found := job_state(site, pk))["done"]:
        assert time.monotonic() < deadline and found["state"] in {"queued", "running"}, found
        time.sleep(0.1)


def start_worker(site: KamServer):
    return site.spawn("worker", "-v", "0", "--interval", "0.2")


def stop(process) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except Exception:
            process.kill()
            process.wait()


def test_a_killed_worker_writes_nothing_and_blocks_nothing(site, tmp_path):
    big = orders_csv(tmp_path / "big.csv", 300_000)
    pk = queue_page_import(site, big)
    worker = start_worker(site)
    try:
        writing(site, pk)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_at = time.monotonic()
        time.sleep(2)  # a child still writing would commit meanwhile
        assert job_state(site, pk)["lines"] == 0, "a killed worker left lines behind"
        worker = start_worker(site)  # its periodic sweep notices the dead run, no request needed
        failed = wait_for(site, pk, {"failed"}, 60)
        assert time.monotonic() - killed_at < 60
        assert "interrupted" in failed["error"] and failed["lock"] is None
        assert failed["lines"] == 0
        small = orders_csv(tmp_path / "small.csv", 20, prefix="NEXT")
        after = queue_page_import(site, small)  # accepted: not "another import is running"
        done = wait_for(site, after, {"done", "failed", "rejected"}, 120)
        assert done["state"] == "done", done
        assert done["lines"] == 20
    finally:
        stop(worker)


def test_two_imports_at_once_the_second_is_told_and_exits_cleanly(site, tmp_path):
    big = orders_csv(tmp_path / "big.csv", 300_000)
    small = orders_csv(tmp_path / "small.csv", 10, prefix="OTHER")
    first = site.spawn("import", "orders", big, "--as", "boss")
    try:
        deadline = time.monotonic() + 60
        while not site.python(
            "from kam.sales.models import ImportJob\n"
            "result = ImportJob.objects.filter(lock=True).exists()"
        ):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        second = site.spawn("import", "orders", small, "--as", "boss", "--source", "b")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 75, (out, err)
        assert BUSY in err and "Traceback" not in err, err
        out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
        assert "Traceback" not in err
    finally:
        stop(first)
    lines = site.python(
        "from kam.sales.models import OrderLine\nresult = OrderLine.objects.count()"
    )
    assert lines == 300_000


def test_a_page_import_waiting_for_the_worker_holds_the_lock_for_the_cli(site, tmp_path):
    pk = queue_page_import(site, orders_csv(tmp_path / "page.csv", 10))
    cli = site.spawn("import", "orders", orders_csv(tmp_path / "cli.csv", 10, "C"), "--as", "boss")
    _out, err = cli.communicate(timeout=120)
    assert cli.returncode == 75 and BUSY in err and "Traceback" not in err, err
    worker = start_worker(site)
    try:
        assert wait_for(site, pk, {"done", "failed"}, 120)["state"] == "done"
    finally:
        stop(worker)


def test_an_import_over_its_time_limit_fails_with_the_reason(site, tmp_path):
    pk = queue_page_import(site, orders_csv(tmp_path / "big.csv", 100_000))
    site.env["KAM_IMPORT_TIME_LIMIT"] = "1"
    worker = start_worker(site)
    try:
        failed = wait_for(site, pk, {"failed", "done"}, 120)
    finally:
        stop(worker)
    assert failed["state"] == "failed" and "time limit of 1 seconds" in failed["error"], failed
    assert failed["lines"] == 0 and failed["lock"] is None


def test_an_import_over_its_memory_limit_fails_with_the_reason(site, tmp_path):
    pk = queue_page_import(site, orders_csv(tmp_path / "big.csv", 200_000))
    site.env["KAM_IMPORT_MEMORY_MB"] = (
        "200"  # resident: a child starts at ~130, this file needs ~340
    )
    worker = start_worker(site)
    try:
        failed = wait_for(site, pk, {"failed", "done"}, 120)
    finally:
        stop(worker)
    assert failed["state"] == "failed" and "limit of 200 MB" in failed["error"], failed
    assert failed["lines"] == 0 and failed["lock"] is None
