"""The sales API as an integration meets it: the order lines of the accounts the token's
user sees, and an ERP export sent to /api/v1/imports/ that goes the import page's way —
kept, locked, queued for the worker, run, reported."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from kam.sales import web_import
from kam.sales.models import ImportJob, OrderLine
from kam.sales.services import import_orders

from .conftest import TokenClient

pytestmark = pytest.mark.django_db

LINES = "/api/v1/order-lines/"
IMPORTS = "/api/v1/imports/"
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货编码,存货名称,数量,单价,金额,成本"
CAST_LINES = [  # one or two lines on each account of the cast; no cost on SO-3: unknown
    "C-E001,上海申华机械有限公司,SO-1,1,2025-01-15,P-1,轴承,10,100,1000.00,700.00",
    "C-E001,上海申华机械有限公司,SO-1,2,2025-03-02,P-2,阀门,2,250.5,501.00,300.00",
    "C-E002,杭州西湖食品厂,SO-2,1,2025-02-10,P-1,轴承,1,100,100.00,60.00",
    "C-S001,广州珠江医院,SO-3,1,2025-02-11,P-3,密封件,5,20,100.00,",
    "C-S002,深圳南山银行,SO-4,1,2025-04-01,P-2,阀门,1,250,250.00,150.00",
    "C-E999,苏州旧客户有限公司,SO-5,1,2025-04-02,P-1,轴承,1,100,100.00,50.00",
]
GOOD = ["C-E002,杭州西湖食品厂,API-1,1,2025-05-06,P-9,法兰,3,10,30.00,20.00"]
BAD = [
    "C-E002,杭州西湖食品厂,API-2,1,2025-05-06,P-9,法兰,3,10,abc,20.00",
    "C-E002,杭州西湖食品厂,API-2,2,not a date,P-9,法兰,3,10,30.00,20.00",
]


def csv_bytes(rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def csv_upload(rows, name="orders.csv", header=HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, header), content_type="text/csv")


@pytest.fixture
def lines(cast, tmp_path):
    """The cast's order lines, imported by the importer (source "erp")."""
    path = tmp_path / "cast.csv"
    path.write_bytes(csv_bytes(CAST_LINES))
    import_orders(path, source="erp", user=cast.boss)
    return {line.order_no + f"/{line.line_no}": line for line in OrderLine.objects.all()}


@pytest.fixture(autouse=True)
def _inline(settings):
    """Imports run inline, as in the import page's tests, unless a test asks for `queued`."""
    settings.KAM_IMPORT_INLINE = True


@pytest.fixture
def queued(settings):
    """Imports queued for `kam worker` as in production (not run inline)."""
    settings.KAM_IMPORT_INLINE = False


def run_queued(job_id: int) -> None:
    """What `kam worker` does with the job's queued task (its child runs run_import)."""
    from django_tasks_db.models import DBTaskResult

    job = ImportJob.objects.get(pk=job_id)
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.task_path == "kam.sales.tasks.import_orders_job"
    web_import.run_import(*task.args_kwargs["args"])


def send(api, file, **fields):
    return api.post(IMPORTS, {"file": file, "source": "api-erp", **fields})


# ---------------------------------------------------------------- order lines


def test_a_kam_sees_the_lines_of_their_accounts_only(cast, lines, api_as):
    mine = api_as("owner_kam").get(LINES).json()
    assert mine["count"] == 2
    assert {r["account"] for r in mine["results"]} == {cast.east_account.pk}
    everything = api_as("boss").get(LINES).json()
    assert everything["count"] == 5  # the deleted account's line is nobody's
    assert cast.deleted_account.pk not in {r["account"] for r in everything["results"]}
    assert api_as("finance_user").get(LINES).json()["count"] == 0  # on no team


def test_a_line_as_json_money_as_decimal_strings_unknown_cost_null(cast, lines, api_as):
    api = api_as("boss")
    line = api.get(f"{LINES}{lines['SO-1/2'].pk}/").json()
    assert line["amount"] == "501.00" and line["cost"] == "300.00"
    assert line["unit_price"] == "250.5000" and line["quantity"] == "2.0000"
    assert line["account_name"] == "上海申华机械有限公司" and line["order_date"] == "2025-03-02"
    assert line["month"] == "2025-03-01" and line["source"] == "erp" and line["batch"]
    uncosted = api.get(f"{LINES}{lines['SO-3/1'].pk}/").json()
    assert uncosted["cost"] is None and uncosted["amount"] == "100.00"
    assert uncosted["paid_amount"] is None  # the export had no payment columns


def test_a_hidden_line_is_404(cast, lines, api_as):
    kam = api_as("owner_kam")
    assert kam.get(f"{LINES}{lines['SO-1/1'].pk}/").status_code == 200
    response = kam.get(f"{LINES}{lines['SO-3/1'].pk}/")
    assert response.status_code == 404 and "珠江" not in response.content.decode()
    assert api_as("boss").get(f"{LINES}{lines['SO-5/1'].pk}/").status_code == 404  # deleted
    assert kam.get(f"{LINES}{2**63}/").status_code == 400  # beyond any id: no 500


def test_filters_and_ordering(cast, lines, api_as):
    api = api_as("boss")

    def orders(**query):
        return [f"{r['order_no']}/{r['line_no']}" for r in api.get(LINES, query).json()["results"]]

    assert orders() == ["SO-1/1", "SO-1/2", "SO-2/1", "SO-3/1", "SO-4/1"]  # import order
    assert orders(account=cast.east_account.pk) == ["SO-1/1", "SO-1/2"]
    assert orders(date_from="2025-02-10", date_to="2025-03-02") == ["SO-1/2", "SO-2/1", "SO-3/1"]
    assert orders(date_from="2025-02-11", date_to="2025-02-11") == ["SO-3/1"]
    assert orders(order_no="SO-1") == ["SO-1/1", "SO-1/2"]
    assert orders(product="P-2") == ["SO-1/2", "SO-4/1"]
    assert orders(product="密封件") == ["SO-3/1"]
    assert orders(source="erp", ordering="-order_date")[:2] == ["SO-4/1", "SO-1/2"]
    assert orders(source="other") == []
    assert orders(after=lines["SO-2/1"].pk, limit=2) == ["SO-3/1", "SO-4/1"]  # keyset walk
    for wrong in ({"ordering": "amount"}, {"date_from": "03/02/2025"}, {"account": 0}):
        response = api.get(LINES, wrong)
        assert response.status_code == 400 and set(response.json()["errors"]) == set(wrong)


def test_updated_since_finds_what_an_import_wrote_or_changed(cast, lines, api_as, tmp_path):
    api = api_as("boss")
    later = timezone.now() + timedelta(microseconds=1)
    assert api.get(LINES, {"updated_since": later.isoformat()}).json()["count"] == 0
    changed = CAST_LINES[2].replace("100.00,60.00", "120.00,60.00")  # SO-2/1, re-exported
    path = tmp_path / "again.csv"
    path.write_bytes(csv_bytes([*CAST_LINES[:2], changed]))
    import_orders(path, source="erp", user=cast.boss)
    body = api.get(LINES, {"updated_since": later.isoformat()}).json()
    assert [(r["order_no"], r["amount"]) for r in body["results"]] == [("SO-2", "120.00")]
    # offsets ISO 8601 allows but PostgreSQL does not, and times before year 1 in UTC
    for odd in ("0402-02-04T19:44:14+19:15", "0001-01-01T00:00:00+05:00"):
        assert api.get(LINES, {"updated_since": odd}).json()["count"] == 5
        assert api.get(IMPORTS, {"updated_since": odd}).status_code == 200


def test_the_total_is_the_number_of_lines_listed_from_the_rollup_where_it_can(cast, lines, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    east = cast.east_account.pk
    queries = [
        ({}, True),
        ({"account": east}, True),
        ({"date_from": "2025-02-01", "date_to": "2025-03-31"}, True),
        ({"date_to": "2025-02-28"}, True),
        ({"date_from": "2025-02-02"}, False),  # part of a month: the lines are counted
        ({"date_to": "2025-03-30", "account": east}, False),
        ({"product": "P-1"}, False),
        ({"after": 1}, False),
    ]
    for user in ("boss", "owner_kam", "east_manager", "outsider_kam", "finance_user"):
        api = api_as(user)
        for query, from_rollup in queries:
            with CaptureQueriesContext(connection) as captured:
                body = api.get(LINES, {**query, "limit": 500}).json()
            assert body["count"] == len(body["results"]), (user, query)
            sql = [q["sql"] for q in captured]
            assert any("sales_accountmonth" in q for q in sql) == from_rollup, (user, query)
            assert any("COUNT(" in q.upper() for q in sql) != from_rollup, (user, query)


def test_no_line_of_an_import_is_newer_than_its_batch(cast, lines, tmp_path):
    """What updated_since relies on, on each database's write path (staged on SQLite)."""
    from django.db.models import Max

    from kam.sales.models import ImportBatch

    changed = CAST_LINES[0].replace("1000.00", "999.00")
    path = tmp_path / "again.csv"
    path.write_bytes(csv_bytes([changed, *GOOD]))
    import_orders(path, source="erp", user=cast.boss)
    for batch in ImportBatch.objects.all():
        newest = OrderLine.objects.filter(batch=batch).aggregate(at=Max("updated_at"))["at"]
        assert newest is not None and batch.updated_at >= newest


def test_batches_of_earlier_imports_get_the_time_of_their_newest_line(cast, lines):
    from importlib import import_module

    from django.apps import apps

    from kam.sales.models import ImportBatch

    migration = import_module("kam.sales.migrations.0009_batch_updated_at")
    batch = ImportBatch.objects.get()
    ImportBatch.objects.update(updated_at=batch.created_at)  # as before the stamp
    OrderLine.objects.filter(pk=lines["SO-2/1"].pk).update(
        updated_at=batch.created_at + timedelta(seconds=5)
    )
    migration.stamp_batches(apps, None)
    batch.refresh_from_db()
    assert batch.updated_at == batch.created_at + timedelta(seconds=5)


# ---------------------------------------------------------------- imports


def test_an_upload_is_queued_run_by_the_worker_and_its_lines_are_listed(
    cast, lines, api_as, queued, django_capture_on_commit_callbacks
):
    api = api_as("finance_user")  # finance may import (and sees no account)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api, csv_upload(GOOD), date_order="YMD", encoding="utf-8", map=["金额=amount"]
        )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "queued" and job["origin"] == "api" and job["source"] == "api-erp"
    assert response["Location"].endswith(f"{IMPORTS}{job['id']}/")
    options = ImportJob.objects.get(pk=job["id"])
    assert (options.date_order, options.encoding) == ("YMD", "utf-8")
    assert options.mapping == {"金额": "amount"}  # kept with the encoding chosen with it
    run_queued(job["id"])
    done = api.get(f"{IMPORTS}{job['id']}/").json()
    assert done["state"] == "done" and done["done"] == done["total"] == 1
    assert done["result"]["lines_added"] == 1 and done["result"]["revenue"] == "30.00"
    assert done["finished_at"] and done["error"] == ""  # started_at: the worker's (slow test)
    assert api.get(f"{IMPORTS}{job['id']}/report/").json()["count"] == 0
    listed = api_as("boss").get(LINES, {"source": "api-erp"}).json()["results"]
    assert [(r["order_no"], r["account"], r["amount"]) for r in listed] == [
        ("API-1", cast.east_other.pk, "30.00")
    ]
    assert not ImportJob.objects.get(pk=job["id"]).stored_as or not (
        web_import.upload_storage().exists(ImportJob.objects.get(pk=job["id"]).stored_as)
    ), "an imported file is not kept"


def test_a_file_with_bad_rows_is_refused_with_a_report_and_writes_nothing(cast, api_as, english):
    api = api_as("boss", HTTP_ACCEPT_LANGUAGE="en")
    job = send(api, csv_upload(BAD)).json()
    assert job["state"] == "rejected" and job["total_problems"] == 2
    assert job["error"].startswith("The import was refused: 2 problem(s) in 2 row(s).")
    report = api.get(f"{IMPORTS}{job['id']}/report/").json()
    assert report["count"] == 2
    assert [(p["row"], p["column"], p["value"], p["code"]) for p in report["results"]] == [
        (2, "金额", "abc", "money"),
        (3, "日期", "not a date", "date"),
    ]
    assert report["results"][0]["reason"] == "is not a number or an amount of money"
    assert "Date format" in report["results"][1]["reason"]  # the page's words
    page = api.get(f"{IMPORTS}{job['id']}/report/", {"limit": 1, "offset": 1}).json()
    assert [p["row"] for p in page["results"]] == [3] and page["previous"]
    assert not OrderLine.objects.exists()
    chinese = api_as("boss", HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"{IMPORTS}{job['id']}/report/")
    assert chinese.json()["results"][0]["reason"] != report["results"][0]["reason"]


def test_a_second_import_while_one_runs_is_409_naming_the_first_and_keeps_nothing(
    cast, api_as, queued, django_capture_on_commit_callbacks
):
    boss, finance = api_as("boss", HTTP_ACCEPT_LANGUAGE="en"), api_as("finance_user")
    with django_capture_on_commit_callbacks(execute=True):
        first = send(boss, csv_upload(GOOD))
    assert first.status_code == 202 and first.json()["state"] == "queued"
    second = send(api_as("director", HTTP_ACCEPT_LANGUAGE="en"), csv_upload(GOOD))
    assert second.status_code == 409
    assert second.json()["detail"].startswith("Another import is running (started by boss at ")
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert send(finance, csv_upload(GOOD)).status_code == 409
    run_queued(first.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send(finance, csv_upload(GOOD)).status_code == 202  # the lock is free again


def test_the_lock_taken_meanwhile_is_409_too_and_the_upload_goes(cast, api_as, monkeypatch):
    def busy(job, **kwargs):
        raise web_import.ImportBusy("Another import is running.")

    monkeypatch.setattr(web_import, "start_import", busy)
    response = send(api_as("boss"), csv_upload(GOOD))
    assert response.status_code == 409
    assert not ImportJob.objects.exists()
    assert not list(web_import.upload_storage().listdir("")[0])


def test_upload_checks_answer_400_with_the_pages_sentences_and_keep_nothing(cast, api_as, settings):
    api = api_as("boss", HTTP_ACCEPT_LANGUAGE="en")
    wrong_type = send(api, SimpleUploadedFile("orders.pdf", b"%PDF-1.4"))
    assert wrong_type.status_code == 400
    assert wrong_type.json()["detail"].startswith("Upload a .csv or .xlsx file")
    assert wrong_type.json()["errors"] == {"file": [wrong_type.json()["detail"]]}
    settings.KAM_IMPORT_MAX_UPLOAD_BYTES = 100
    too_big = send(api, csv_upload(GOOD * 5))
    assert too_big.status_code == 400
    assert too_big.json()["detail"] == "The file is larger than the limit of 0 MB."
    settings.KAM_IMPORT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    no_source = api.post(IMPORTS, {"file": csv_upload(GOOD)})
    assert no_source.status_code in (400, 422) and "source" in no_source.json()["errors"]
    bad_map = send(api, csv_upload(GOOD), map=["金额=money", "nonsense"])
    assert bad_map.status_code == 400 and len(bad_map.json()["errors"]["map"]) == 2
    assert "Unknown field “money” for column “金额”" in bad_map.json()["errors"]["map"][0]
    blank = send(api, csv_upload(GOOD), source="  ")
    assert blank.status_code == 400 and blank.json()["errors"] == {
        "source": ["This value is required."]
    }
    no_file = api.post(IMPORTS, {"source": "x"})
    assert no_file.status_code in (400, 422) and set(no_file.json()) == {"detail", "errors"}
    assert not ImportJob.objects.exists()


def test_a_workbook_that_would_inflate_is_refused_before_it_is_kept(
    cast, api_as, tmp_path, settings
):
    from kam.sales.tests.test_upload_limits import build_inflating_workbook

    settings.KAM_IMPORT_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    path = build_inflating_workbook(tmp_path / "bomb.xlsx", megabytes=20)
    file = SimpleUploadedFile("bomb.xlsx", path.read_bytes())
    response = send(api_as("boss", HTTP_ACCEPT_LANGUAGE="en"), file)
    assert response.status_code == 400
    with translation.override("en"):
        try:
            web_import.check_upload("bomb.xlsx", path.stat().st_size, path.open("rb"))
        except web_import.UploadError as error:
            expected = str(error)
    assert response.json()["detail"] == expected
    assert not ImportJob.objects.exists()


def test_a_cell_over_the_limit_fails_the_run_with_the_pages_sentence(cast, api_as, settings):
    settings.KAM_IMPORT_MAX_CELL_CHARS = 50
    row = GOOD[0].replace("法兰", "法" * 60)
    job = send(api_as("boss", HTTP_ACCEPT_LANGUAGE="en"), csv_upload([row])).json()
    assert job["state"] == "failed"
    assert "characters, more than the limit of 50" in job["error"]
    assert not OrderLine.objects.exists()


def test_a_token_may_send_more_than_an_anonymous_body(cast, api_as, settings):
    """The body limit knows API tokens: an export of some size is an upload, not an attack."""
    rows = [GOOD[0].replace("API-1,1", f"API-1,{n}") for n in range(1, 2000)]
    upload = csv_upload(rows)
    assert upload.size > settings.KAM_ANONYMOUS_MAX_BODY_BYTES
    response = send(api_as("boss"), upload)
    assert response.status_code == 202 and response.json()["state"] == "done"
    assert OrderLine.objects.count() == 1999
    anonymous = send(TokenClient("kam_not-a-token"), csv_upload(rows))
    assert anonymous.status_code == 413 and set(anonymous.json()) == {"detail", "errors"}


def test_a_token_is_held_to_the_import_limit_before_the_body_is_read(cast, token_of, settings):
    from kam.web.tests.test_body_limit import HUGE, post_announcing

    settings.KAM_IMPORT_MAX_UPLOAD_BYTES = 1000
    client = TokenClient(token_of("boss"), HTTP_ACCEPT_LANGUAGE="en")
    response = post_announcing(client, IMPORTS, CONTENT_LENGTH=str(HUGE))
    assert response.status_code == 413
    assert response.json() == {"detail": "kam accepts at most 1 MB in one request.", "errors": {}}


def test_only_importers_may_import_and_each_sees_what_the_page_shows(cast, api_as):
    kam = api_as("owner_kam")
    assert send(kam, csv_upload(GOOD)).status_code == 403
    assert kam.get(IMPORTS).status_code == 403
    assert not ImportJob.objects.exists()
    refused = send(api_as("director"), csv_upload(BAD)).json()["id"]
    waiting = web_import.save_upload(csv_upload(GOOD), cast.director).pk  # the page's, unrun
    mine = send(api_as("finance_user"), csv_upload(GOOD)).json()["id"]

    def listed(user, **query):
        return [r["id"] for r in api_as(user).get(IMPORTS, query).json()["results"]]

    assert listed("finance_user") == [mine, refused]  # own, and every refused one
    assert listed("director") == [waiting, refused]
    assert listed("boss") == [mine, waiting, refused]  # administrators: all
    assert listed("boss", state="rejected") == [refused]
    assert listed("boss", origin="page") == [waiting]
    assert api_as("finance_user").get(f"{IMPORTS}{waiting}/").status_code == 404
    assert api_as("finance_user").get(f"{IMPORTS}{refused}/report/").json()["count"] == 2
    assert kam.get(f"{IMPORTS}{refused}/report/").status_code == 403
