"""Read a CSV/TXT/TSV or Excel/ODS export into a frame of raw text cells.

Nothing is interpreted here beyond finding the header row: every cell stays the text the
user sees (Excel numbers and dates are rendered to text), so the parsing layer can report a
bad cell with the text the user typed and the row number the user sees.
"""

from __future__ import annotations

import codecs
import collections
import csv
import datetime as dt
import io
import itertools
import operator
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import python_calamine
from django.utils.translation import gettext as _

from .columns import recognize_header
from .parsing import is_blank

TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
ROW = "__row"
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
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
                "“%(file)s” is not a supported file type (use .csv, .txt, .tsv, .xlsx, .xls or .ods)."
            )
            % {"file": path.name}
        )
    if not path.is_file():
        raise ImportFileError(_("The file “%(file)s” does not exist.") % {"file": path.name})
    if suffix in TEXT_SUFFIXES:
        grid, used = _read_text(path, encoding)
    else:
        grid, used = _read_workbook(path, sheet), None
    return _build_table(grid, path, used)


# --- text files -----------------------------------------------------------------------------


def _read_text(path: Path, encoding: str | None) -> tuple[pl.DataFrame, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not data.strip():
        raise _empty(path)
    text, used = _decode(data, encoding, path)
    if "\n" not in text[:_SAMPLE_CHARS] and "\r" in text[:_SAMPLE_CHARS]:
        text = text.replace("\r", "\n")  # classic Mac line ends
        payload = text.encode("utf-8")
    elif used in ("utf-8", "utf-8-sig"):
        payload = data.removeprefix(codecs.BOM_UTF8)  # already valid UTF-8: no re-encoding
    else:
        payload = text.encode("utf-8")
    separator, width = _sniff(text)
    grid = _parse_csv(payload, separator, width)
    if grid is None:
        raise _unreadable(path, _("the rows do not split into columns consistently"))
    return grid, used


def _decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode with the given encoding, else guess: BOM, UTF-8, GB18030, Windows-1252.

    A strict decoder rejects most text that is not in its encoding, except that GB18030
    accepts many byte pairs: a Windows-1252 "ü" or "é" followed by a letter is a valid
    GBK-extension character. Real GB2312/GBK text is mostly common characters, which all
    lie in the GB2312 range (both bytes >= 0xA1), while such accidents almost never do, so
    GB18030 wins only when most decoded non-ASCII characters are also valid GB2312.
    """
    if encoding:
        return _decode_as(data, encoding, path), codecs.lookup(encoding).name
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_as(data, name, path), name
    for name in ("utf-8", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if name == "utf-8" or _mostly_gb2312(text):
            return text, name
    return _decode_as(data, "cp1252", path), "cp1252"


def _decode_as(data: bytes, encoding: str, path: Path) -> str:
    try:
        codec = codecs.lookup(encoding).name
        if codec == "utf-8":
            codec = "utf-8-sig"
        return data.decode(codec)
    except LookupError as exc:
        raise ImportFileError(
            _("Unknown encoding “%(encoding)s” for “%(file)s”.")
            % {"encoding": encoding, "file": path.name}
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("“%(file)s” is not valid %(encoding)s text (byte %(position)s); give its encoding.")
            % {"file": path.name, "encoding": encoding, "position": exc.start}
        ) from exc


def _mostly_gb2312(text: str) -> bool:
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


def _sniff(text: str) -> tuple[str, int]:
    """(delimiter, widest row) from the first lines.

    The delimiter is the candidate that splits the most sample rows into the same number of
    fields (more than one); ties go to the earlier candidate, comma first.
    """
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best = (",", 1, -1)
    for delimiter in DELIMITERS:
        widths = _field_counts(sample, delimiter)
        wide = [w for w in widths if w > 1]
        agree = collections.Counter(wide).most_common(1)[0][1] if wide else 0
        if agree > best[2]:
            best = (delimiter, max(widths, default=1), agree)
    return best[0], best[1]


def _field_counts(sample: str, delimiter: str) -> list[int]:
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 200))
    except csv.Error:
        return []
    return [len(row) for row in rows if any(cell.strip() for cell in row)]


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
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
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
    """Integral floats without ".0" (Excel stores every number as a float), others as repr."""
    frame = pl.DataFrame({"v": values})
    whole = (pl.col.v == pl.col.v.floor()) & (pl.col.v.abs() < 2.0**53)
    text = frame.select(
        pl.when(whole)
        .then(pl.col.v.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(pl.col.v.cast(pl.String))
    ).to_series()
    exponent = text.str.contains("e", literal=True).fill_null(False).arg_true()
    if len(exponent):  # Polars writes 1e-7 where Python's repr writes 1e-07
        text = text.scatter(exponent, [repr(values[i]) for i in exponent])
    return text


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


def _header_position(top: pl.DataFrame) -> int:
    """The first row naming at least two known fields, else the first (non-empty) row."""
    for position, row in enumerate(top.iter_rows()):
        if sum(1 for cell in row if cell and recognize_header(cell)) >= 2:
            return position
    return 0


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
