"""Files built to exhaust the server are refused before they are parsed, in bounded memory."""

import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from kam.sales.importing.readers import ImportFileError, read_table
from kam.sales.models import ImportJob, OrderLine

ROOT = Path(__file__).resolve().parents[3]
INFLATED_MB = 300

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"""


def build_inflating_workbook(
    path: Path, megabytes: int = INFLATED_MB, *, declared: int | None = None
) -> Path:
    """A valid .xlsx whose one shared string is `megabytes` of text, written as a stream:
    the test never holds more than one megabyte of it. With `declared`, the zip's headers
    understate the shared strings' size as that many bytes, as a forger would."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", SHEET),
        ):
            book.writestr(name, text)
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'count="1" uniqueCount="1"><si><t>'
            )
            chunk = b"A" * (1024 * 1024)
            for _ in range(megabytes):
                out.write(chunk)
            out.write(b"</t></si></sst>")
    if declared is not None:
        _understate(path, "xl/sharedStrings.xml", declared)
    return path


def _understate(path: Path, member: str, size: int) -> None:
    """Write `size` as the member's uncompressed size in its local and central headers."""
    info = zipfile.ZipFile(path).getinfo(member)
    data = path.read_bytes()
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(member)] != member.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    with path.open("r+b") as book:
        for offset in (info.header_offset + 22, entry + 24):  # local header, directory entry
            book.seek(offset)
            book.write(struct.pack("<I", size))


@pytest.fixture(scope="module")
def inflating(tmp_path_factory) -> Path:
    return build_inflating_workbook(tmp_path_factory.mktemp("bomb") / "orders.xlsx")


# The check in a fresh process, measured there: peak memory (ru_maxrss) after Django and the
# readers are loaded, then again after the refusal.
MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import django
    django.setup()
    from django.utils import translation
    from kam.sales.importing.readers import ImportFileError, read_table
    translation.activate("en")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        read_table(sys.argv[1])
        message = None
    except ImportFileError as error:
        message = str(error)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"message": message, "seconds": seconds, "grew_kib": after - before}))
    """
)


def test_the_inflating_workbook_is_small_and_valid(inflating):
    """What the probe found: a few hundred KB on disk, 300 MB in its shared string."""
    assert inflating.stat().st_size < 1024 * 1024
    members = {m.filename: m for m in zipfile.ZipFile(inflating).infolist()}
    assert members["xl/sharedStrings.xml"].file_size > INFLATED_MB * 1024 * 1024


def test_inflating_workbook_is_refused_before_parsing_in_bounded_memory(inflating):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kam.settings", DEBUG="true")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(inflating)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{inflating.stat().st_size:,} bytes refused in {figures['seconds']:.3f} s, +{figures['grew_kib']:,} KiB"
    )
    assert figures["message"] is not None, "the workbook was parsed"
    assert "orders.xlsx" in figures["message"]
    assert "xl/sharedStrings.xml" in figures["message"]
    assert "times larger than it is stored" in figures["message"]
    assert figures["grew_kib"] < 20 * 1024  # parsing it took 4 GB
    assert figures["seconds"] < 5  # parsing it took 40 s


def test_a_workbook_that_understates_its_size_is_refused_without_inflating(tmp_path):
    """The check trusts the sizes the zip declares; a part that inflates past its declared
    size is cut off by the parser's zip reader, which refuses the file there."""
    path = build_inflating_workbook(tmp_path / "orders.xlsx", 100, declared=900_000)
    assert zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size == 900_000
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kam.settings", DEBUG="true")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert "cannot be read" in figures["message"]
    assert figures["grew_kib"] < 20 * 1024


def test_the_cli_refuses_it_the_same_way(inflating, cast):
    with pytest.raises(CommandError, match=r"sharedStrings\.xml"):
        call_command("import", "orders", str(inflating), "--lang", "en", "--as", "boss")
    assert not OrderLine.objects.exists()


def test_the_upload_page_refuses_it_and_keeps_nothing(inflating, boss_client, settings):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload = SimpleUploadedFile("orders.xlsx", inflating.read_bytes())
    response = boss_client.post(reverse("sales:import"), {"file": upload})
    assert response.status_code == 400
    assert "times larger than it is stored" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (Path(settings.VAR_DIR) / "uploads").exists()


def test_the_refusal_is_translated(inflating):
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as refused:
        read_table(inflating)
    assert "xl/sharedStrings.xml" in str(refused.value)
    assert "times larger" not in str(refused.value)


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


ROWS = [
    ["客户编码", "单据编号", "日期", "金额"],
    ["C001", "SO-1", "2024-03-05", 100],
    ["C002", "SO-2", "2024-03-06", 200],
]


def test_a_workbook_over_the_unpacked_size_limit_is_refused(tmp_path, settings):
    path = write_xlsx(tmp_path / "orders.xlsx", ROWS)
    assert read_table(path).frame.height == 2  # within the default limits
    settings.KAM_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024
    with translation.override("en"), pytest.raises(ImportFileError, match="would unpack to"):
        read_table(path)


def test_a_cell_over_the_limit_is_refused_naming_its_row_and_column(tmp_path):
    long_name = "甲" * 40_000  # past Excel's own 32,767
    text = f"客户编码,单据编号,客户名称,金额\nC001,SO-1,ok,1\nC002,SO-2,{long_name},2\n"
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    with translation.override("en"), pytest.raises(ImportFileError) as refused:
        read_table(path)
    message = str(refused.value)
    assert "row 3, column C" in message and "40,000 characters" in message
    assert "32,767" in message


def test_the_cell_limit_is_a_setting_and_applies_to_workbooks(tmp_path, settings):
    path = write_xlsx(tmp_path / "orders.xlsx", ROWS)
    settings.KAM_IMPORT_MAX_CELL_CHARS = 4
    with translation.override("en"), pytest.raises(ImportFileError, match="row 2, column C"):
        read_table(path)
