"""Reading query results straight into Polars, for analytics and bulk comparisons."""

import io

import polars as pl
from django.db import connection


def query_frame(sql: str, params, schema: dict) -> pl.DataFrame:
    """Run a query into a DataFrame with `schema` (column names in SELECT order).

    On PostgreSQL the rows come through COPY as CSV, which skips building a Python object
    per value; on SQLite the cursor's tuples go straight into Polars.
    """
    if connection.vendor == "postgresql":
        return _copy_frame(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema=schema)
    # Types as the driver returned them (Django's SQLite converters make dates of date
    # columns, decimals come as floats), then cast to what was asked for.
    frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    return frame.with_columns([_cast(n, frame.schema[n], t) for n, t in schema.items()])


def _copy_frame(sql: str, params, schema: dict) -> pl.DataFrame:
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for data in copy:
            buffer.write(data)
    if not buffer.getbuffer().nbytes:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    text_schema = {name: _transport(dtype) for name, dtype in schema.items()}
    frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=text_schema)
    return frame.with_columns([_cast(n, text_schema[n], t) for n, t in schema.items()])


def _transport(dtype) -> pl.DataType:
    """Through COPY, decimals and dates travel as text."""
    if isinstance(dtype, pl.Decimal) or dtype == pl.Date:
        return pl.String
    return dtype


def _cast(name: str, sent, wanted) -> pl.Expr:
    column = pl.col(name)
    if sent == wanted:
        return column
    if sent in (pl.Float64, pl.Float32) and isinstance(wanted, pl.Decimal):
        # Through the shortest text form, so 261.96 stays 261.96, not 261.95999….
        return column.cast(pl.String).cast(wanted)
    if sent == pl.String and wanted == pl.Date:
        return column.str.slice(0, 10).str.to_date("%Y-%m-%d")
    return column.cast(wanted)
