"""The import page: upload, mapping, preview, error report, import with progress.

The page runs the CLI's importer; these tests walk it as a user would and check what the
database holds afterwards. Imports run inline (KAM_IMPORT_INLINE) except in the test that
proves the real background thread.
"""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kam.accounts.models import Account
from kam.core.tests.test_spreadsheets import FORMULA_NAMES
from kam.sales import jobs, web_import
from kam.sales.importing.report import REASONS
from kam.sales.models import ImportBatch, ImportJob, ImportJobState, OrderLine
from kam.sales.services import ImportRejected, import_orders
from kam.users.choices import Role
from kam.web.navigation import nav_items

pytestmark = pytest.mark.django_db
SHARED = Path(django_settings.BASE_DIR).parent / "shared" / "data"
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本"
GOOD = [
    "C001,华东钢铁集团,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00",
    "C001,华东钢铁集团,SO-1,2,2024-03-05,阀门,2,250,500.00,300.00",
    "C002,南方制药,SO-2,1,2024/4/1,密封件,5,20,100.00,60.00",
]
BAD_AMOUNT = "C002,南方制药,SO-2,1,2024/4/1,密封件,5,20,abc,60.00"  # row 4 of the file


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.KAM_IMPORT_INLINE = True


def csv_file(rows, header=HEADER, name="orders.csv", encoding="utf-8"):
    content = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")


def upload(client, file, *, source: str | None = "erp") -> ImportJob:
    """Upload a file and, as a user must before importing, give its source on the page."""
    response = client.post(reverse("sales:import"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("created_at")
    assert response.url == reverse("sales:import-job", args=[job.pk])
    if source is not None:
        data = mapping_post(job, page(client, job), {}, source=source)
        assert client.post(response.url, data).status_code == 302
        job.refresh_from_db()
    return job


def page(client, job, **headers) -> str:
    response = client.get(reverse("sales:import-job", args=[job.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    """The HTML from the element with this id to the end of its section."""
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return html[start : end if end > 0 else None]


def selected_field(html: str, column: str) -> str:
    """The kam field chosen for a file column in the mapping form."""
    row = re.search(rf'<tr[^>]*data-column="{re.escape(column)}".*?</tr>', html, re.S).group(0)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', row)
    return chosen.group(1) if chosen else ""


def mapping_post(job, html: str, changes: dict[str, str], **options) -> dict:
    """The mapping form as the page shows it, with some columns changed."""
    columns = re.findall(r'<tr[^>]*data-column="([^"]*)"', section(html, "mapping-form"))
    data = {"source": job.source, **options}
    for index, column in enumerate(columns):
        data[f"column_{index}"] = changes.get(column, selected_field(html, column))
    return data


def run(client, job, *, htmx=True) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(reverse("sales:import-run", args=[job.pk]), headers=headers)
    assert response.status_code == (200 if htmx else 302)
    return response.content.decode()


def status(client, job) -> str:
    response = client.get(reverse("sales:import-status", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- upload ---------------------------------------------------------------------------------


def test_upload_is_kept_under_the_var_dir_and_the_mapping_detected(boss_client, boss):
    job = upload(boss_client, csv_file(GOOD))
    path = Path(django_settings.VAR_DIR) / "uploads" / job.stored_as
    assert path.read_bytes().decode().startswith("客户编码,")
    assert job.uploaded_by == boss and job.size == path.stat().st_size
    html = page(boss_client, job)
    assert 'id="upload-form"' not in html and 'id="mapping-form"' in html
    assert selected_field(html, "客户编码") == "customer_code"
    assert selected_field(html, "金额") == "amount"
    assert selected_field(html, "日期") == "order_date"
    assert 'id="check-ok"' in html and 'id="error-report"' not in html
    assert 'id="import-button"' in html


def test_file_names_are_sanitised_and_cannot_leave_the_upload_folder(boss_client):
    job = upload(boss_client, csv_file(GOOD, name="报表 <2024>;rm -rf.CSV"))
    assert job.file_name == "报表_2024_rm_-rf.csv"
    assert web_import.safe_file_name("C:\\Users\\x\\..\\订单.xlsx") == "订单.xlsx"
    assert web_import.safe_file_name("../../.bashrc") == "bashrc"
    assert web_import.safe_file_name("..") == "upload"
    root = (Path(django_settings.VAR_DIR) / "uploads").resolve()
    assert root in web_import.stored_path(job).parents
    job.stored_as = "../../etc/passwd"
    with pytest.raises(web_import.ImportFileError):
        web_import.stored_path(job)


def test_upload_refuses_other_file_types_and_files_over_the_limit(boss_client, settings):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = boss_client.post(reverse("sales:import"), {"file": exe})
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file" in response.content.decode()
    settings.KAM_IMPORT_MAX_UPLOAD_BYTES = 100
    response = boss_client.post(reverse("sales:import"), {"file": csv_file(GOOD)})
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (Path(settings.VAR_DIR) / "uploads").exists()


def test_an_unreadable_file_says_why_on_its_page(boss_client):
    job = upload(boss_client, SimpleUploadedFile("broken.xlsx", b"not a zip at all"))
    html = page(boss_client, job, **{"Accept-Language": "en"})
    assert 'id="file-error"' in html and "broken.xlsx" in section(html, "file-error")
    assert 'id="preview"' not in html


# --- mapping, preview, check ----------------------------------------------------------------


def test_adjusting_the_mapping_makes_an_unknown_column_readable(boss_client):
    header = HEADER.replace("客户名称", "Kundenname").replace("客户编码", "Kd-Nr")
    job = upload(boss_client, csv_file(GOOD, header=header))
    html = page(boss_client, job)
    assert selected_field(html, "Kundenname") == ""
    report = section(html, "error-report")
    assert 'data-row=""' in report and "customer_code" in report  # a whole-file problem
    assert "钢铁" in section(html, "preview")  # raw cells while nothing can be parsed

    data = mapping_post(job, html, {"Kundenname": "customer_name", "Kd-Nr": "customer_code"})
    response = boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping["Kundenname"] == "customer_name"
    html = page(boss_client, job)
    assert selected_field(html, "Kundenname") == "customer_name"
    assert 'id="check-ok"' in html
    preview = section(html, "preview")
    assert "华东钢铁集团" in preview and "Kundenname" in preview


def test_one_field_cannot_take_two_columns(boss_client, settings):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    job = upload(boss_client, csv_file(GOOD))
    before = job.mapping
    html = page(boss_client, job)
    data = mapping_post(job, html, {"成本": "amount"})
    response = boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    assert response.status_code == 400
    assert "is already the column" in response.content.decode()
    job.refresh_from_db()
    assert job.mapping == before  # the refused choice is not saved


def test_preview_shows_the_first_rows_as_kam_reads_them(boss_client):
    rows = [
        f"C{i:03d},客户{i},SO-{i},1,2024/3/{i % 28 + 1},轴承,3,1234.5,3703.50,1" for i in range(30)
    ]
    job = upload(boss_client, csv_file(rows))
    preview = section(page(boss_client, job), "preview")
    assert preview.count("<tr data-row=") == web_import.PREVIEW_ROWS
    assert '<tr data-row="2"' in preview and '<tr data-row="21"' in preview
    assert '<tr data-row="22"' not in preview
    assert "2024-03-01" in preview  # 2024/3/1 read as a date
    assert "3,703.50" in preview and "1234.5" in preview


def test_ambiguous_dates_ask_for_the_date_order(boss_client, settings):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = [
        "C001,甲,SO-1,1,03/04/2024,x,1,1,1.00,",
        "C001,甲,SO-2,1,05/06/2024,x,1,1,1.00,",
    ]
    job = upload(boss_client, csv_file(rows))
    html = page(boss_client, job)
    with translation.override("en"):
        assert str(REASONS["ambiguous_date"].page) in section(html, "error-report")
    assert "--date-order" not in html
    data = mapping_post(job, html, {}, date_order="DMY")
    boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    html = page(boss_client, job)
    assert 'id="check-ok"' in html
    assert "2024-04-03" in section(html, "preview")  # 3 April, day first


def test_the_superstore_export_needs_its_total_rows_left_out(boss_client):
    with (SHARED / "superstore_sales.csv").open("rb") as handle:
        file = SimpleUploadedFile("superstore_sales.csv", handle.read())
    job = upload(boss_client, file)
    html = page(boss_client, job, **{"Accept-Language": "en"})
    assert selected_field(html, "Customer ID") == "customer_code"
    assert selected_field(html, "Sales") == "amount"
    assert "cp1252" in section(html, "mapping-form")  # the detected encoding is named
    report = section(html, "error-report")
    assert '<tr data-row="9996"' in report
    data = mapping_post(job, html, {}, skip_unidentified="on")
    boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    html = page(boss_client, job, **{"Accept-Language": "en"})
    assert 'id="check-ok"' in html
    assert "Claire Gute" in section(html, "preview")


def test_a_workbook_is_read_like_the_cli_reads_it(boss_client):
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    sheet = book.active
    for line in [HEADER, *GOOD]:
        sheet.append(line.split(","))
    book.save(buffer)
    job = upload(boss_client, SimpleUploadedFile("orders.xlsx", buffer.getvalue()))
    html = page(boss_client, job)
    assert selected_field(html, "客户名称") == "customer_name"
    assert 'name="encoding"' not in html  # only for text files
    assert 'id="check-ok"' in html
    run(boss_client, job)
    assert OrderLine.objects.count() == 3


# --- the error report -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_error_report_names_row_column_value_and_reason(boss_client, settings, language):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    job = upload(boss_client, csv_file([*GOOD[:2], BAD_AMOUNT]))
    with translation.override(language):
        reason = str(REASONS["money"].page)
    assert (reason == "is not a number or an amount of money") == (language == "en")
    html = page(boss_client, job)
    assert '<td class="bad">abc</td>' in section(html, "preview")  # the file's text, marked
    report = section(html, "error-report")
    row = re.search(r'<tr data-row="4".*?</tr>', report, re.S).group(0)
    assert "金额" in row and "abc" in row and reason in row
    assert report.count("<tr data-row=") == 1

    response = boss_client.get(reverse("sales:import-problems", args=[job.pk, "csv"]))
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["4", "金额", "abc", reason]
    assert len(rows) == 2

    response = boss_client.get(reverse("sales:import-problems", args=[job.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in line] for line in sheet.iter_rows()]
    assert cells[1] == [4, "金额", "abc", reason]  # the row number as a number
    with translation.override(language):
        assert cells[0] == [translation.gettext(h) for h in ("Row", "Column", "Value", "Reason")]
    assert (cells[0][0] == "Row") == (language == "en")


def test_report_lists_every_bad_row(boss_client):
    rows = [f"C1,甲,SO-{i},1,2024-01-01,x,1,1,{'bad' if i % 2 else '1'},1" for i in range(40)]
    job = upload(boss_client, csv_file(rows))
    report = section(page(boss_client, job), "error-report")
    assert report.count("<tr data-row=") == 20
    response = boss_client.get(reverse("sales:import-problems", args=[job.pk, "csv"]))
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == [str(i + 2) for i in range(40) if i % 2]


# --- importing ------------------------------------------------------------------------------


def test_an_import_with_one_bad_row_writes_nothing(boss_client):
    accounts_before = Account.objects.count()
    job = upload(boss_client, csv_file([*GOOD[:2], BAD_AMOUNT]))
    fragment = run(boss_client, job)
    job.refresh_from_db()
    assert job.state == ImportJobState.REJECTED
    assert OrderLine.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert Account.objects.count() == accounts_before
    result = section(fragment, "import-result")
    assert 'data-state="rejected"' in result and '<tr data-row="4"' in result
    assert 'id="import-button"' not in fragment  # nothing to retry until something changes
    # Reloading shows the same row-level error next to the mapping to adjust.
    html = page(boss_client, job)
    assert '<tr data-row="4"' in section(html, "import-result")


def test_a_fixed_file_imports_and_reports_what_it_did(boss_client, boss):
    job = upload(boss_client, csv_file(GOOD))
    fragment = run(boss_client, job)
    assert 'id="import-result"' in fragment and 'data-state="done"' in fragment
    assert 'hx-trigger="every' not in fragment  # polling stops

    answer = status(boss_client, job)
    assert 'data-state="done"' in answer
    assert re.search(r'data-figure="lines_added">3<', answer)
    assert re.search(r'data-figure="accounts_created">2<', answer)
    assert re.search(r'data-figure="months_refreshed">2<', answer)
    assert OrderLine.objects.count() == 3
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.imported_by, batch.lines_added) == ("orders.csv", boss, 3)
    job.refresh_from_db()
    assert job.batch == batch and (job.done, job.total) == (3, 3)
    assert not web_import.stored_path(job).exists()  # the lines are in; the export is not kept

    listing = boss_client.get(reverse("sales:import")).content.decode()
    assert f'data-batch="{batch.pk}"' in section(listing, "recent-imports")
    # Imported files cannot be changed or imported again from their page.
    html = page(boss_client, job)
    assert 'id="mapping-form"' not in html and 'id="import-button"' not in html
    run(boss_client, job)
    assert ImportBatch.objects.count() == 1


def test_importing_again_changes_nothing(boss_client):
    run(boss_client, upload(boss_client, csv_file(GOOD)))
    again = upload(boss_client, csv_file(GOOD))
    run(boss_client, again)
    assert re.search(r'data-figure="lines_unchanged">3<', status(boss_client, again))
    assert OrderLine.objects.count() == 3


def test_the_mapping_chosen_on_the_page_is_the_one_imported(boss_client):
    job = upload(boss_client, csv_file(GOOD))
    html = page(boss_client, job)
    data = mapping_post(job, html, {"成本": ""}, source="u8")
    boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    run(boss_client, job, htmx=False)
    line = OrderLine.objects.get(order_no="SO-1", line_no=1)
    assert (line.source, line.cost) == ("u8", None)


def test_progress_is_shown_while_an_import_runs(boss_client):
    job = upload(boss_client, csv_file(GOOD))
    job.state, job.lock = ImportJobState.RUNNING, True
    job.save()
    answer = status(boss_client, job)
    assert 'id="import-progress"' in answer and 'hx-trigger="every 500ms"' in answer
    assert 'max="' not in answer  # still reading: an indeterminate bar
    jobs.beat(job.pk, 40, 100)  # what the worker writes with its heartbeat
    answer = status(boss_client, job)
    assert 'max="100" value="40"' in answer and "40" in answer


def test_only_one_import_runs_at_a_time(boss_client, director, client, settings):
    running = upload(boss_client, csv_file(GOOD))
    ImportJob.objects.filter(pk=running.pk).update(
        state=ImportJobState.RUNNING, lock=True, heartbeat_at=timezone.now()
    )
    client.force_login(director)
    waiting = upload(client, csv_file(GOOD))
    fragment = run(client, waiting)
    assert 'class="error"' in fragment and 'id="import-button"' in fragment
    assert "boss" in fragment, "the message names who started the running import"
    assert OrderLine.objects.count() == 0
    # A run whose process died (no heartbeat for the timeout) is not waited for.
    silent = timezone.now() - timedelta(seconds=settings.KAM_JOB_HEARTBEAT_TIMEOUT + 1)
    ImportJob.objects.filter(pk=running.pk).update(heartbeat_at=silent)
    run(client, waiting)
    assert OrderLine.objects.count() == 3
    assert ImportJob.objects.get(pk=running.pk).state == ImportJobState.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_page_queues_the_import_for_the_worker(client, settings, tmp_path):
    """The real page: the POST returns at once with the job queued as a task; the task (what
    `kam worker` runs) imports it."""
    from django_tasks_db.models import DBTaskResult

    from kam.conftest import make_user
    from kam.sales.tasks import import_orders_job

    settings.KAM_IMPORT_INLINE = False
    client.force_login(make_user("importer", Role.KA_DIRECTOR))
    job = upload(client, csv_file(GOOD))
    first = run(client, job)
    assert 'id="import-status"' in first and 'data-state="queued"' in status(client, job)
    job.refresh_from_db()
    queued = DBTaskResult.objects.get(id=job.task_id)
    assert queued.task_path == import_orders_job.module_path
    web_import.run_import(*queued.args_kwargs["args"])  # as the worker's child does
    assert 'data-state="done"' in status(client, job)
    assert OrderLine.objects.count() == 3
    assert ImportJob.objects.get(pk=job.pk).lock is None, "the next import may start"


def test_a_failed_import_shows_its_reason(boss_client, english):
    job = upload(boss_client, csv_file(GOOD))
    web_import.upload_storage().delete(job.stored_as)  # e.g. storage emptied meanwhile
    answer = run(boss_client, job)
    assert 'data-state="failed"' in answer
    job.refresh_from_db()
    assert job.error and job.lock is None
    assert job.error in boss_client.get(reverse("sales:import-job", args=[job.pk])).content.decode()


# --- who may import -------------------------------------------------------------------------


def test_only_importers_reach_the_page(client, owner_kam, finance_user, boss):
    client.force_login(owner_kam)
    assert client.get(reverse("sales:import")).status_code == 403
    assert client.post(reverse("sales:import"), {"file": csv_file(GOOD)}).status_code == 403
    assert not ImportJob.objects.exists()
    assert "import" not in [item["key"] for item in nav_items(owner_kam)]

    client.force_login(finance_user)  # finance owns the figures
    job = upload(client, csv_file(GOOD))
    assert "import" in [item["key"] for item in nav_items(finance_user)]

    client.force_login(owner_kam)
    for name in ("sales:import-job", "sales:import-status"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 403
    assert client.post(reverse("sales:import-run", args=[job.pk])).status_code == 403

    client.force_login(boss)  # may import, but this upload is finance's
    assert client.get(reverse("sales:import-job", args=[job.pk])).status_code == 404
    assert client.post(reverse("sales:import-run", args=[job.pk])).status_code == 404
    assert client.get(reverse("sales:import-problems", args=[job.pk, "csv"])).status_code == 404
    assert OrderLine.objects.count() == 0


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("sales:import"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_page_speaks_english_and_chinese(boss_client, settings):
    job = upload(boss_client, csv_file(GOOD))
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(boss_client, job)
    assert ">customer name</option>" in html and "— ignore —" in html
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = page(boss_client, job)
    assert "客户名称 (customer_name)" in html


def test_the_problem_reports_hold_a_files_formulas_as_text(boss_client):
    """The report quotes the file's cells; opened in Excel, none of them may run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    for number, name in enumerate(FORMULA_NAMES):
        # the customer's name, and the same text where the amount should be
        writer.writerow(
            [f"F{number}", name, f"SO-{number}", 1, "2024-03-05", "轴承", 1, 1, name, 1]
        )
    file = SimpleUploadedFile("formulas.csv", buffer.getvalue().encode(), content_type="text/csv")
    job = upload(boss_client, file)

    response = boss_client.get(reverse("sales:import-problems", args=[job.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["'" + name for name in FORMULA_NAMES]
    assert [row[0] for row in rows[1:]] == [str(n + 2) for n in range(len(FORMULA_NAMES))]

    response = boss_client.get(reverse("sales:import-problems", args=[job.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert [(c.data_type, c.value) for c in values] == [("s", name) for name in FORMULA_NAMES]


# --- a page a newcomer gets right -----------------------------------------------------------

CLI_FLAGS = ("--date-format", "--date-order", "--skip-unidentified", "--map")


def import_button(html: str) -> str:
    return re.search(r'<button[^>]*id="import-button"[^>]*>', html).group(0)


def report_rows(client, job) -> list[list[str]]:
    response = client.get(reverse("sales:import-problems", args=[job.pk, "csv"]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


def test_the_source_starts_empty_with_a_suggestion_from_the_file_name(boss_client, settings):
    """Taking the last import's source unseen would key two systems' orders together."""
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    done = upload(boss_client, csv_file(GOOD), source="金蝶")
    run(boss_client, done)
    job = upload(boss_client, csv_file(GOOD, name="sap_orders_2024-03.csv"), source=None)
    assert job.source == ""
    html = page(boss_client, job, **{"Accept-Language": "en"})
    field = re.search(r'<input[^>]*name="source"[^>]*>', html).group(0)
    assert "value=" not in field and 'list="known-sources"' in field
    datalist = re.search(r'<datalist id="known-sources">.*?</datalist>', html, re.S).group(0)
    assert re.findall(r'value="([^"]*)"', datalist) == ["sap-orders", "金蝶"]
    assert "Suggested from the file name: sap-orders" in html
    # No source, no import: the button says why, and a forced post starts nothing.
    assert "disabled" in import_button(html)
    assert "Give the source" in section(html, "run")
    fragment = run(boss_client, job)
    assert "Give the source" in fragment
    job.refresh_from_db()
    assert job.state == ImportJobState.NEW and OrderLine.objects.count() == 3


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_speaks_of_its_own_controls_not_of_command_line_options(
    boss_client, settings, language
):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    rows = [
        "C001,甲,SO-1,1,03/04/2024,x,1,1,1.00,",  # ambiguous day and month
        ",,SO-2,1,2024-03-05,x,1,1,1.00,",  # no customer
        "C001,甲,SO-3,1,next week,x,1,1,1.00,",  # not a date
    ]
    job = upload(boss_client, csv_file(rows))
    html = page(boss_client, job)
    cells = [row[3] for row in report_rows(boss_client, job)]
    assert len(cells) == 3
    for text in (html, *cells):
        assert not any(flag in text for flag in CLI_FLAGS), text[:300]
    with translation.override(language):
        expected = {str(REASONS[code].page) for code in ("ambiguous_date", "no_customer")}
        mentioned = {"Date order" if language == "en" else "日期顺序"}
    assert expected <= set(cells)
    assert all(word in html for word in mentioned)
    # The command line keeps its own wording for the same file.
    with pytest.raises(ImportRejected) as caught:
        import_orders(web_import.stored_path(job))
    assert "--skip-unidentified" in "\n".join(caught.value.lines())


def test_an_impossible_date_is_called_impossible(boss_client):
    job = upload(boss_client, csv_file(["C001,甲,SO-1,1,2025-13-45,x,1,1,1.00,", *GOOD[:1]]))
    html = page(boss_client, job, **{"Accept-Language": "en"})
    report = section(html, "error-report")
    assert "is not a date that exists" in report and "Date format" not in report


def test_the_download_lists_every_bad_row_and_the_page_the_first_ones(boss_client):
    rows = [f"C1,甲,BAD-{i},1,2024-01-01,x,1,1,bad,1" for i in range(1500)]
    job = upload(boss_client, csv_file([*GOOD, *rows]))
    html = page(boss_client, job, **{"Accept-Language": "en"})
    report = section(html, "error-report")
    assert "1500 problems" in report
    assert report.count("<tr data-row=") == web_import.PROBLEMS_SHOWN
    assert f"… and {1500 - web_import.PROBLEMS_SHOWN} more problems" in report
    lines = report_rows(boss_client, job)
    assert [int(line[0]) for line in lines] == list(range(5, 1505))
    # A refused run keeps them all too.
    run(boss_client, job)
    assert len(report_rows(boss_client, job)) == 1500


def test_after_leaving_rows_out_the_summary_counts_the_rest(boss_client):
    totals = [",,,,,,,,1600.00,", ",,,,,,,,1600.00,"]
    job = upload(boss_client, csv_file([*GOOD, *totals]))
    html = page(boss_client, job, **{"Accept-Language": "en"})
    data = mapping_post(job, html, {}, skip_unidentified="on")
    boss_client.post(reverse("sales:import-job", args=[job.pk]), data)
    html = page(boss_client, job, **{"Accept-Language": "en"})
    ok = section(html, "check-ok")
    assert "Of the 5 rows of the file, 3 rows can be imported and 2 without a customer" in ok
    assert "All 5 rows" not in html
    run(boss_client, job)
    assert OrderLine.objects.count() == 3


def test_the_import_button_is_disabled_while_the_check_refuses(boss_client):
    job = upload(boss_client, csv_file([*GOOD[:2], BAD_AMOUNT]))
    html = page(boss_client, job, **{"Accept-Language": "en"})
    button = import_button(html)
    assert "disabled" in button and 'aria-describedby="import-blocked"' in button
    assert "The check found problems" in section(html, "run")
    # Once the file is right, the button is there to press.
    job = upload(boss_client, csv_file(GOOD))
    html = page(boss_client, job)
    assert "disabled" not in import_button(html) and 'id="import-blocked"' not in html


def test_refused_attempts_are_listed_with_their_report(boss_client, director, client):
    job = upload(boss_client, csv_file([*GOOD[:2], BAD_AMOUNT], name="march.csv"))
    fragment = run(boss_client, job)  # posted anyway: the importer refuses, keeps the report
    result = section(fragment, "import-result")
    assert reverse("sales:import-problems", args=[job.pk, "xlsx"]) in result
    assert "1 × " in result  # the kinds of problem, counted
    client.force_login(director)
    listing = client.get(reverse("sales:import")).content.decode()
    refused = section(listing, "refused-imports")
    assert f'data-job="{job.pk}"' in refused and "march.csv" in refused
    link = reverse("sales:import-problems", args=[job.pk, "csv"])
    assert link in refused
    lines = report_rows(client, job)  # another importer may read the refusal's report
    assert [line[:3] for line in lines] == [["4", "金额", "abc"]]


def test_a_restored_backup_s_running_import_blocks_nothing(boss_client, settings):
    """A backup taken mid-import restores the job as running, even naming a process that
    happens to live here now: its heartbeat is old, so it is failed and the next one runs."""
    import os

    restored = upload(boss_client, csv_file(GOOD))
    old = timezone.now() - timedelta(
        seconds=settings.KAM_IMPORT_TIME_LIMIT + settings.KAM_JOB_HEARTBEAT_TIMEOUT + 60
    )
    ImportJob.objects.filter(pk=restored.pk).update(
        state=ImportJobState.RUNNING, lock=True, heartbeat_at=old, runner=jobs.runner_id()
    )
    assert os.getpid() == int(jobs.runner_id().rpartition(":")[2])
    fresh = upload(boss_client, csv_file(GOOD))
    assert 'data-state="done"' in run(boss_client, fresh)
    restored.refresh_from_db()
    assert restored.state == ImportJobState.FAILED and restored.lock is None
    assert restored.error == jobs.interrupted_reason()
