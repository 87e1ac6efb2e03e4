"""Read a CSV/TXT/TSV or Excel/ODS export into a frame of raw text cells.

Nothing is interpreted here beyond finding the header row: every cell stays the text the
user sees (Excel numbers and dates are rendered to text), so the parsing layer can report a
bad cell with the text the user typed and the row number the user sees.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import datetime as dt
import decimal
import io
import itertools
import operator
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from .columns import recognize_header
from .parsing import is_blank

TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})  # .xls is an OLE file
ROW = "__row"
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_CHARS = 65536
_MAX_COLUMNS = 16384  # Excel's own limit; a wider "row" means the delimiter guess is wrong


class ImportFileError(Exception):
    """The file cannot be read as a table; the message names the file and says why."""


@dataclass
class RawTable:
    """The data rows of one sheet, every cell as text; see ``read_table``."""

    frame: pl.DataFrame
    headers: list[str]
    columns: list[str]
    header_row: int
    encoding: str | None


def read_table(
    path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None
) -> RawTable:
    """Read the table in ``path``: one String column per source column plus ``__row``.

    ``__row`` is the row number the user sees in Excel (for CSV: the record number, which is
    the line number unless a quoted cell spans lines). Blank cells are null; blank rows are
    dropped; so are columns with neither a header nor any data (trailing delimiters).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | EXCEL_SUFFIXES:
        raise ImportFileError(
            _(
                "“%(file)s” is not a supported file type (use .csv, .tsv, .txt, .xlsx, .xlsm, .xlsb, .xls or .ods)."
            )
            % {"file": path.name}
        )
    if not path.is_file():
        raise ImportFileError(_("The file “%(file)s” does not exist.") % {"file": path.name})
    if suffix in TEXT_SUFFIXES:
        grid, used = _read_text(path, encoding)
    else:
        if suffix in ZIP_SUFFIXES:
            check_workbook(path, path.name)
        grid, used = _read_workbook(path, sheet), None
    return _build_table(grid, path, used)


# --- workbook limits, before parsing --------------------------------------------------------

# Members smaller than this may compress as well as they like (styles, empty sheets).
RATIO_CHECKED_FROM = 1024 * 1024
MAX_MEMBERS = 10_000  # a workbook has dozens; millions would fill memory with the directory
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024


def check_workbook(source: str | Path | BinaryIO, name: str) -> None:
    """Refuse an Excel/ODS file (a zip) that would inflate past the limits when parsed.

    Only the zip's directory is read: the sizes each member declares, summed and compared
    with its compressed size. A 300 KB workbook whose one shared string inflates to 300 MB
    is refused here in a few milliseconds, instead of taking gigabytes in the parser. The
    limits are settings (KAM_IMPORT_MAX_UNCOMPRESSED_BYTES, KAM_IMPORT_MAX_COMPRESSION_RATIO).
    A file that is not a zip at all is left to the parser, which says it cannot read it.
    """
    members = _zip_members(source, name)
    if members is None:
        return
    total_limit = settings.KAM_IMPORT_MAX_UNCOMPRESSED_BYTES
    ratio_limit = settings.KAM_IMPORT_MAX_COMPRESSION_RATIO
    total = sum(member.file_size for member in members)
    if total > total_limit:
        raise ImportFileError(
            _(
                "“%(file)s” would unpack to %(size)s MB, more than the limit of %(limit)s MB: "
                "kam does not read it. Split the export into smaller files."
            )
            % {"file": name, "size": _megabytes(total), "limit": _megabytes(total_limit)}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECKED_FROM and ratio > ratio_limit:
            raise ImportFileError(
                _(
                    "“%(file)s” is not a normal workbook: its part “%(part)s” unpacks %(ratio)s "
                    "times larger than it is stored (the limit is %(limit)s), as files built "
                    "to exhaust a server's memory do. kam does not read it."
                )
                % {
                    "file": name,
                    "part": member.filename,
                    "ratio": f"{ratio:,.0f}",
                    "limit": ratio_limit,
                }
            )


def _zip_members(source: str | Path | BinaryIO, name: str) -> list[zipfile.ZipInfo] | None:
    """The zip's directory, read within a bounded size; None when it is not a zip."""
    try:
        with _opened(source) as handle:
            # The standard library's own reader of the end-of-directory record (private,
            # unchanged for decades): the entry count and directory size, before the entries.
            end = zipfile._EndRecData(handle)
            if end is None:
                return None
            entries = end[zipfile._ECD_ENTRIES_TOTAL]
            if entries > MAX_MEMBERS or end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:
                raise ImportFileError(
                    _("“%(file)s” is not a normal workbook: it has %(count)s parts.")
                    % {"file": name, "count": f"{entries:,}"}
                )
            handle.seek(0)
            return zipfile.ZipFile(handle).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None


@contextlib.contextmanager
def _opened(source: str | Path | BinaryIO) -> Iterator[BinaryIO]:
    """A path opened for reading, or a file object used as it is and rewound afterwards."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            yield handle
        return
    source.seek(0)
    try:
        yield source
    finally:
        source.seek(0)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f}"


# --- text files -----------------------------------------------------------------------------


def _read_text(path: Path, encoding: str | None) -> tuple[pl.DataFrame, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not data.strip():
        raise _empty(path)
    text, used = _decode(data, encoding, path)
    payload, sample = _payload_and_sample(data, text)
    grid = _parse_csv(payload, *_sniff(sample))
    if grid is None:
        raise _unreadable(path, _("the rows do not split into columns consistently"))
    return grid, used


def _payload_and_sample(data: bytes, text: str | None) -> tuple[bytes, str]:
    """UTF-8 bytes for Polars, and the first whole lines of text for sniffing."""
    if text is None:  # valid UTF-8 already: Polars reads the bytes as they are
        payload = data.removeprefix(codecs.BOM_UTF8)
        head = payload[: _SAMPLE_CHARS * 4]
        text = head.decode("utf-8", errors="ignore")
        cut = len(head) < len(payload) or len(text) > _SAMPLE_CHARS
    else:
        payload, cut = text.encode("utf-8"), len(text) > _SAMPLE_CHARS
    sample = text[:_SAMPLE_CHARS]
    if "\n" not in sample and "\r" in sample:  # classic Mac line ends
        payload = payload.replace(b"\r", b"\n")
        sample = sample.replace("\r", "\n")
    if cut and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut last line would count too few fields
    return payload, sample


def _decode(data: bytes, encoding: str | None, path: Path) -> tuple[str | None, str]:
    """(text, encoding used); text is None for UTF-8, which needs no decoding for Polars.

    Without a given encoding: a BOM decides; else strict UTF-8; else GB18030; else
    Windows-1252. A strict decoder rejects most text that is not in its encoding, except
    that GB18030 accepts many byte pairs: a Windows-1252 "ü" or "é" followed by a letter is
    a valid GBK-extension character ("Müller" decodes as "M黮ler"). Real GB2312/GBK text
    is mostly common characters, all in the GB2312 range (both bytes >= 0xA1), while such
    accidents almost never are, so GB18030 wins only when most of the decoded non-ASCII
    characters are GB2312 characters.
    """
    if encoding:
        codec = _codec(encoding, path)
    elif data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif _is_utf8(data):
        return None, "utf-8"
    else:
        _refuse_mixed_encodings(data, path)
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_gb2312(text):
            return text, "gb18030"
        codec = "cp1252"
    if codec in ("utf-8", "utf-8-sig"):
        if not _is_utf8(data.removeprefix(codecs.BOM_UTF8)):
            _refuse_mixed_encodings(data, path)
            raise _not_in_encoding(path, encoding or codec, data)
        return None, codec
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise _not_in_encoding(path, encoding or codec, data) from exc


def _refuse_mixed_encodings(data: bytes, path: Path) -> None:
    """Some lines in UTF-8 and others not (two exports pasted together, one from a
    Chinese-Windows program in GBK): no single encoding reads the file, and naming one
    that failed ("not valid cp1252") would send the user looking in the wrong place.

    Mixed means: a line that is not UTF-8, and non-ASCII lines that are, more of them
    than chance makes of GBK text (a line of GBK is almost never valid UTF-8 as well).
    """
    first_bad = None
    utf8_lines = non_ascii_lines = 0
    for number, line in enumerate(data.removeprefix(codecs.BOM_UTF8).split(b"\n"), start=1):
        if line.isascii():
            continue
        non_ascii_lines += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first_bad = first_bad or number
        else:
            utf8_lines += 1
    if first_bad and utf8_lines and utf8_lines >= 0.05 * non_ascii_lines:
        raise ImportFileError(
            _(
                "“%(file)s” mixes encodings: %(utf8)s lines are UTF-8, but line %(line)s is "
                "not (it may be GBK). Save the whole file in one encoding, such as UTF-8, "
                "and upload it again."
            )
            % {"file": path.name, "utf8": utf8_lines, "line": first_bad}
        )


def _codec(encoding: str, path: Path) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise ImportFileError(
            _("Unknown encoding “%(encoding)s” for “%(file)s”.")
            % {"encoding": encoding, "file": path.name}
        ) from exc


def _is_utf8(data: bytes) -> bool:
    """Strict UTF-8 check in 16 MB steps, so a large file is not held twice in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, step = memoryview(data), 1 << 24
    try:
        for start in range(0, len(data), step):
            decoder.decode(view[start : start + step], final=start + step >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def _not_in_encoding(path: Path, encoding: str, data: bytes) -> ImportFileError:
    """Names the first line the encoding cannot read, where the user can look."""
    try:
        data.decode(codecs.lookup(encoding).name)
        line = None
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
    return ImportFileError(
        _("“%(file)s” is not valid %(encoding)s text (first at line %(line)s); give its encoding.")
        % {"file": path.name, "encoding": encoding, "line": line or 1}
    )


def _mostly_gb2312(text: str) -> bool:
    """At least half of the non-ASCII characters in the first million are GB2312 ones."""
    counts = collections.Counter(re.sub(r"[\x00-\x7f]+", "", text[:1_000_000]))
    total = sum(counts.values())
    common = sum(n for char, n in counts.items() if _is_gb2312(char))
    return common * 2 >= total


def _is_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _sniff(sample: str) -> tuple[str, int]:
    """(delimiter, widest row) from the first lines.

    The delimiter is the candidate that splits the most non-empty sample rows into the same
    number of fields (more than one); ties go to the earlier candidate, comma first.
    """
    best = (",", 1, -1)
    for delimiter in DELIMITERS:
        rows = _sample_rows(sample, delimiter)
        wide = [len(row) for row in rows if len(row) > 1 and any(c.strip() for c in row)]
        agree = collections.Counter(wide).most_common(1)[0][1] if wide else 0
        if agree > best[2]:
            best = (delimiter, max(map(len, rows), default=1), agree)
    return best[0], max(best[1], 1)


def _sample_rows(sample: str, delimiter: str) -> list[list[str]]:
    try:
        return list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 200))
    except csv.Error:
        return []


def _parse_csv(payload: bytes, separator: str, width: int) -> pl.DataFrame | None:
    """All rows, all cells as text; a row wider than the sample's widest widens the frame."""
    while width <= _MAX_COLUMNS:
        try:
            return pl.read_csv(
                payload,
                has_header=False,
                separator=separator,
                schema={f"c{i}": pl.String for i in range(width)},
                missing_columns="insert",
                infer_schema=False,
                quote_char='"',
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError as exc:
            if "more fields" not in str(exc) and "n_extra" not in str(exc):
                return None
            width *= 2
    return None


# --- workbooks ------------------------------------------------------------------------------


def _read_workbook(path: Path, sheet: str | int | None) -> pl.DataFrame:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        if isinstance(sheet, str):
            worksheet = book.get_sheet_by_name(sheet)
        else:
            worksheet = book.get_sheet_by_index(sheet or 0)
        rows = worksheet.to_python(skip_empty_area=False)
    except python_calamine.WorksheetNotFound as exc:
        raise ImportFileError(
            _("“%(file)s” has no sheet “%(sheet)s”.") % {"file": path.name, "sheet": sheet}
        ) from exc
    except (python_calamine.CalamineError, OSError, ValueError, IndexError) as exc:
        raise _unreadable(path, exc) from exc
    if not rows:
        raise _empty(path)
    # The rows that may hold titles and the header are converted apart, so that the data
    # columns below are usually of one cell type and take the fast path.
    top, rest = rows[:HEADER_SEARCH_ROWS], rows[HEADER_SEARCH_ROWS:]
    width = max(map(len, rows))
    return pl.concat([_rows_to_frame(part, width) for part in (top, rest) if part])


def _rows_to_frame(rows: list[list], width: int) -> pl.DataFrame:
    if len(set(map(len, rows))) > 1:  # calamine gives a rectangle; be safe anyway
        rows = [row + [""] * (width - len(row)) for row in rows]
    columns = (list(map(operator.itemgetter(i), rows)) for i in range(width))
    return pl.DataFrame([_cells_to_text(f"c{i}", cells) for i, cells in enumerate(columns)])


def _cells_to_text(name: str, cells: list) -> pl.Series:
    """One column of calamine cells as text, one vectorised pass per cell type present."""
    types = list(map(type, cells))
    kinds = set(types)
    if len(kinds) == 1:
        return _format_cells(kinds.pop(), cells).alias(name)
    text = pl.Series(name, [None] * len(cells), dtype=pl.String)
    for kind in kinds:
        mask = list(map(operator.is_, types, itertools.repeat(kind)))
        positions = pl.Series(mask, dtype=pl.Boolean).arg_true()
        text = text.scatter(positions, _format_cells(kind, list(itertools.compress(cells, mask))))
    return text


def _format_cells(kind: type, cells: list) -> pl.Series:
    if kind is str:
        return pl.Series(cells, dtype=pl.String)
    if kind is float:
        return _format_floats(pl.Series(cells, dtype=pl.Float64))
    if kind is bool:
        return pl.Series(cells, dtype=pl.Boolean).replace_strict(
            {True: "TRUE", False: "FALSE"}, return_dtype=pl.String
        )
    if kind is int:
        return pl.Series(cells, dtype=pl.Int64).cast(pl.String)
    if kind is dt.datetime:
        return _format_datetimes(pl.Series(cells, dtype=pl.Datetime("us")))
    if kind is dt.date:
        return pl.Series(cells, dtype=pl.Date).dt.strftime("%Y-%m-%d")
    if kind is dt.time:
        return pl.Series(cells, dtype=pl.Time).dt.strftime("%H:%M:%S")
    return pl.Series([None if c is None else _other_text(c) for c in cells], dtype=pl.String)


def _format_floats(values: pl.Series) -> pl.Series:
    """Shortest round-trip digits, integral ones without ".0", never in exponent notation.

    Excel stores every number as a float, so a quantity 3 arrives as 3.0. Python's repr
    would write 1e-05 or 1e+22; Excel shows such cells as plain numbers, and the money
    parser rightly refuses exponents, so those few values are written out in full.
    """
    frame = pl.DataFrame({"v": values})
    whole = (pl.col.v == pl.col.v.floor()) & (pl.col.v.abs() < 2.0**63)
    text = frame.select(
        pl.when(whole)
        .then(pl.col.v.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(pl.col.v.cast(pl.String))
    ).to_series()
    exponent = text.str.contains("e", literal=True).fill_null(False).arg_true()
    if len(exponent):
        text = text.scatter(exponent, [_plain_float(values[i]) for i in exponent])
    return text


def _plain_float(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return format(decimal.Decimal(repr(value)), "f")


def _format_datetimes(values: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"v": values})
    midnight = pl.col.v.dt.time() == dt.time(0)
    return frame.select(
        pl.when(midnight)
        .then(pl.col.v.dt.strftime("%Y-%m-%d"))
        .otherwise(pl.col.v.dt.strftime("%Y-%m-%d %H:%M:%S"))
    ).to_series()


def _other_text(cell: object) -> str:
    if isinstance(cell, dt.timedelta):
        seconds = int(cell.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return str(cell)


# --- header and data ------------------------------------------------------------------------


def _build_table(grid: pl.DataFrame, path: Path, encoding: str | None) -> RawTable:
    grid = grid.select(
        pl.when(is_blank(name)).then(None).otherwise(pl.col(name)).alias(name)
        for name in grid.columns
    ).with_row_index(ROW, offset=1)
    grid = grid.filter(~pl.all_horizontal(pl.exclude(ROW).is_null()))
    if grid.is_empty():
        raise _empty(path)
    _check_cell_lengths(grid, path)
    header_at = _header_position(grid.head(HEADER_SEARCH_ROWS).drop(ROW))
    header_cells = grid.row(header_at)[1:]
    headers = [(cell or "").strip() for cell in header_cells]
    columns = _unique_names(headers)
    data = grid.slice(header_at + 1).rename(dict(zip(grid.columns[1:], columns, strict=True)))
    if data.is_empty():
        raise ImportFileError(
            _("“%(file)s” has a header row but no data rows.") % {"file": path.name}
        )
    keep = [i for i, c in enumerate(columns) if headers[i] or data[c].null_count() < data.height]
    return RawTable(
        frame=data.select(*(columns[i] for i in keep), pl.col(ROW).cast(pl.Int64)),
        headers=[headers[i] for i in keep],
        columns=[columns[i] for i in keep],
        header_row=int(grid[ROW][header_at]),
        encoding=encoding,
    )


def _check_cell_lengths(grid: pl.DataFrame, path: Path) -> None:
    """No cell longer than KAM_IMPORT_MAX_CELL_CHARS (Excel's own limit by default): a
    longer one is no order data, and every later step would copy it around."""
    limit = settings.KAM_IMPORT_MAX_CELL_CHARS
    columns = [c for c in grid.columns if c != ROW]
    longest = grid.select(pl.col(columns).str.len_chars().max()).row(0)
    for position, (column, length) in enumerate(zip(columns, longest, strict=True)):
        if length is not None and length > limit:
            row = grid.filter(pl.col(column).str.len_chars() > limit).item(0, ROW)
            raise ImportFileError(
                _(
                    "“%(file)s”: the cell in row %(row)s, column %(column)s has %(length)s "
                    "characters, more than the limit of %(limit)s. Shorten it and try again."
                )
                % {
                    "file": path.name,
                    "row": row,
                    "column": xl_col_to_name(position),  # as Excel names it
                    "length": f"{length:,}",
                    "limit": f"{limit:,}",
                }
            )


def _header_position(top: pl.DataFrame) -> int:
    """The row naming the most known fields (at least two; the first on a tie), else row 0.

    "Most" rather than "first": ERP title blocks often carry a line such as
    "客户: 全部  日期: 2024-01" whose labels alone would count as two known headers.
    """
    counts = [sum(1 for cell in row if cell and recognize_header(cell)) for row in top.iter_rows()]
    best = max(counts, default=0)
    return counts.index(best) if best >= 2 else 0


def _unique_names(headers: list[str]) -> list[str]:
    used = {ROW}
    names = []
    for position, header in enumerate(headers, start=1):
        base = header or f"column_{position}"
        name, copy = base, 1
        while name in used:
            copy += 1
            name = f"{base} ({copy})"
        used.add(name)
        names.append(name)
    return names


def _empty(path: Path) -> ImportFileError:
    return ImportFileError(_("“%(file)s” is empty.") % {"file": path.name})


def _unreadable(path: Path, reason: object) -> ImportFileError:
    return ImportFileError(
        _("“%(file)s” cannot be read: %(reason)s") % {"file": path.name, "reason": reason}
    )
