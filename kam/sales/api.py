"""The sales API (mounted at /api/v1/ by kam.api): the order lines of the accounts the caller
sees, as the admin's order lines show them, and imports as jobs — upload, state, report —
through the import page's own steps (`web_import`), so a file sent here is checked, kept,
locked, run and reported exactly as one uploaded on the page."""

from calendar import monthrange
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja import Status as Answer
from ninja.errors import HttpError
from ninja.pagination import paginate

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.core.currency import ISO_4217
from kam.core.rest import READ, Id, Page, aware, errors, not_found, ordered, since

from . import web_import
from .choices import ImportOrigin
from .forms import ENCODINGS
from .importing.columns import FIELDS
from .jobs import active_import, busy_message
from .models import AccountMonth, ImportBatch, ImportJob, ImportJobState, OrderLine

PREFIX = ""  # two collections of their own: /order-lines/ and /imports/ (routers below)
router = Router()
lines = Router(tags=["order lines"])
imports = Router(tags=["imports"])

# ---------------------------------------------------------------- order lines

LINE_ORDERING = Literal[  # the primary key first: sorting millions of lines by date is slow
    "id", "-id", "order_date", "-order_date", "updated_at", "-updated_at"
]


class OrderLineOut(Schema):
    """One imported line. Money is a decimal string; a figure the export lacked (cost, unit
    price, payment) is null — unknown, not zero."""

    id: int
    account: int = Field(..., alias="account_id")
    account_name: str
    source: str
    order_no: str
    line_no: int
    order_date: date
    month: date
    product_code: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal
    cost: Decimal | None = Field(..., description="null: the export gave no cost (unknown)")
    discount: Decimal
    paid_amount: Decimal | None = Field(..., description="null: no payment data")
    paid_date: date | None
    days_to_pay: int | None
    batch: int | None = Field(None, alias="batch_id", description="the import that wrote it")
    created_at: datetime
    updated_at: datetime = Field(..., description="when an import last wrote or changed it")

    @staticmethod
    def resolve_account_name(line: OrderLine) -> str:
        return line.account.name


class LineFilters(Schema):
    account: Id | None = Field(None, description="only this account's lines")
    date_from: date | None = Field(None, description="order date on or after")
    date_to: date | None = Field(None, description="order date on or before")
    source: str | None = Field(None, max_length=64, description="the import's source, exactly")
    order_no: str | None = Field(None, max_length=64, description="order number, exactly")
    product: str | None = Field(None, max_length=255, description="product code or name, exactly")
    updated_since: datetime | None = Field(
        None, description="written or changed by an import at or after (ISO 8601)"
    )
    ordering: LINE_ORDERING | None = Field(None, description="sort field; - for descending")
    after: Id | None = Field(
        None,
        description="only lines with a larger id: to walk a large table in id order, pass "
        "the last id of a page instead of a deep offset",
    )


def visible_lines(user):
    """The lines of the living accounts `user` sees (the admin's order lines: VIEW), named
    by a subquery of those accounts rather than the join `restrict` writes: SQLite then
    reads a KAM's lines through the account index (at a million lines 5 ms, not 170)."""
    return OrderLine.objects.filter(account_id__in=visible_accounts(user))


def visible_accounts(user):
    return Account.objects.restrict(user, Action.VIEW).values("pk")


def filter_lines(rows, filters: LineFilters):
    """The filters as indexes serve them: a date range also bounds `month`, so that with an
    account the (account, month) index finds the lines."""
    if filters.account is not None:
        rows = rows.filter(account_id=filters.account)
    if filters.after is not None:
        rows = rows.filter(pk__gt=filters.after)
    if filters.date_from is not None:
        rows = rows.filter(order_date__gte=filters.date_from)
        rows = rows.filter(month__gte=filters.date_from.replace(day=1))
    if filters.date_to is not None:
        rows = rows.filter(order_date__lte=filters.date_to, month__lte=filters.date_to)
    for name in ("source", "order_no"):
        if (value := getattr(filters, name)) is not None:
            rows = rows.filter(**{name: value})
    if filters.product is not None:
        rows = rows.filter(Q(product_code=filters.product) | Q(product_name=filters.product))
    return changed_since(rows, filters.updated_since)


def changed_since(rows, moment: datetime | None):
    """Lines an import wrote or changed at or after `moment`, found through the index of
    their import (batch): every write stamps the line with its batch, and the batch's
    `updated_at` when its writing ends, so such a line's batch changed since then too.
    The lines' own `updated_at` is not indexed: scanning millions for the few an import
    changed is what an incremental sync must not cost. The batches are read first (a small
    table): named, they steer both databases to the index, and none means no lines."""
    if moment is None:
        return rows
    moment = aware(moment)
    batches = list(ImportBatch.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
    if not batches:
        return rows.none()
    return rows.filter(batch_id__in=batches, updated_at__gte=moment)


def rollup_count(user, filters: LineFilters) -> int | None:
    """How many lines the list holds, summed from the monthly rollup (a count of the lines
    themselves reads every one of millions), when the filters are ones the rollup keeps:
    the account and whole months. None otherwise."""
    others = ("source", "order_no", "product", "updated_since", "after")
    if any(getattr(filters, name) is not None for name in others):
        return None
    first, last = filters.date_from, filters.date_to
    if first is not None and first.day != 1:
        return None
    if last is not None and last.day != monthrange(last.year, last.month)[1]:
        return None
    months = AccountMonth.objects.filter(account_id__in=visible_accounts(user))
    if filters.account is not None:
        months = months.filter(account_id=filters.account)
    if first is not None:
        months = months.filter(month__gte=first)
    if last is not None:
        months = months.filter(month__lte=last)
    return months.aggregate(lines=Sum("lines"))["lines"] or 0


class LinePage:
    """The list as the page (kam.core.rest.Page) takes it: its total, from the rollup where
    it can be; and a window chosen by id first, so that a deep page sorts ids, not whole
    lines with their accounts (at a million lines, seconds on SQLite)."""

    def __init__(self, rows, total: int | None):
        self.rows, self.total = rows, total

    def count(self) -> int:
        return self.rows.count() if self.total is None else self.total

    def __getitem__(self, window: slice):
        chosen = self.rows.values("pk")[window]
        lines = OrderLine.objects.select_related("account").filter(pk__in=chosen)
        return lines.order_by(*self.rows.query.order_by)


@lines.get("/", response={200: list[OrderLineOut], **READ}, summary="List order lines")
@paginate(Page)
def list_lines(request: HttpRequest, filters: Query[LineFilters]):
    """The imported order lines of the accounts you see, in import order unless `ordering`
    says otherwise. `updated_since` finds what imports wrote or changed since then."""
    rows = filter_lines(visible_lines(request.auth), filters)
    rows = ordered(rows, filters.ordering, "id")
    return LinePage(rows, rollup_count(request.auth, filters))


@lines.get("/{int:line_id}/", response={200: OrderLineOut, **READ}, summary="One order line")
def get_line(request: HttpRequest, line_id: Id):
    """404 when its account is hidden from you."""
    queryset = OrderLine.objects.select_related("account")
    return access.get_for(request.auth, queryset, Action.VIEW, pk=line_id)


# ---------------------------------------------------------------- imports

JobState = Literal[tuple(ImportJobState.values)]  # type: ignore[valid-type]
Origin = Literal[tuple(ImportOrigin.values)]  # type: ignore[valid-type]
DateOrder = Literal["MDY", "DMY", "YMD"]
Encoding = Literal[tuple(code for code, _label in ENCODINGS)]  # type: ignore[valid-type]
Currency = Literal[tuple(sorted(ISO_4217))]  # type: ignore[valid-type]
JOB_ORDERING = Literal["created_at", "-created_at", "updated_at", "-updated_at"]


class ResultOut(Schema):
    """What a finished import wrote (as the page's summary); revenue as decimal strings."""

    lines_added: int | None = None
    lines_updated: int | None = None
    lines_unchanged: int | None = None
    rows_skipped: int | None = None
    accounts_created: int | None = None
    months_refreshed: int | None = None
    seconds: float | None = None
    revenue: Decimal | None = None
    uncosted_revenue: Decimal | None = Field(None, description="revenue of lines without cost")
    unpaid_data_revenue: Decimal | None = Field(None, description="revenue without payment data")


class JobOut(Schema):
    id: int
    file_name: str
    size: int
    source: str
    origin: Origin
    uploaded_by: int | None = Field(None, alias="uploaded_by_id")
    uploaded_by_name: str | None
    state: JobState
    phase: str = Field(..., description="where the run is, in words (the page's progress line)")
    done: int = Field(..., description="lines written so far")
    total: int = Field(..., description="lines to write (0 until the file is checked)")
    error: str = Field(..., description="why it was refused or failed; empty otherwise")
    total_problems: int = Field(..., description="bad rows' problems: see …/report/")
    batch: int | None = Field(None, alias="batch_id", description="the import it made")
    result: ResultOut | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_uploaded_by_name(job: ImportJob) -> str | None:
        return job.uploaded_by.get_username() if job.uploaded_by_id else None

    @staticmethod
    def resolve_phase(job: ImportJob) -> str:
        return web_import.status(job).phase

    @staticmethod
    def resolve_result(job: ImportJob) -> dict | None:
        return job.result if job.state == ImportJobState.DONE and job.result else None


class JobFilters(Schema):
    state: JobState | None = None
    origin: Origin | None = Field(None, description="page, cli or api")
    updated_since: datetime | None = Field(None, description="changed at or after (ISO 8601)")
    ordering: JOB_ORDERING | None = Field(None, description="sort field; - for descending")


JOBS = ImportJob.objects.select_related("uploaded_by").defer("problems", "mapping")


def visible_jobs(user, rows=JOBS):
    """What the import page shows an importer: their own uploads and every refused attempt
    (listed beside the recent imports, with its report); administrators see every job, as
    in the admin. Without the right to import: 403."""
    access.require(user, Action.IMPORT)
    if access.may(user, Action.ADMINISTER):
        return rows.all()
    return rows.filter(Q(uploaded_by=user) | Q(state=ImportJobState.REJECTED))


def _job(request, job_id: int, rows=JOBS) -> ImportJob:
    job = visible_jobs(request.auth, rows).filter(pk=job_id).first()
    if job is None:
        raise not_found()
    return job


@imports.get("/", response={200: list[JobOut], **errors(400, 403)}, summary="List imports")
@paginate(Page)
def list_jobs(request: HttpRequest, filters: Query[JobFilters]):
    """Your imports (from the page, the command line and the API) and every refused one,
    newest first; administrators see all."""
    rows = visible_jobs(request.auth)
    for name in ("state", "origin"):
        if (value := getattr(filters, name)) is not None:
            rows = rows.filter(**{name: value})
    return ordered(since(rows, filters.updated_since), filters.ordering, "-created_at")


@imports.get(
    "/{int:job_id}/", response={200: JobOut, **errors(400, 403, 404)}, summary="One import"
)
def get_job(request: HttpRequest, job_id: Id):
    """Its state and progress: poll until `state` is done, rejected or failed."""
    return _job(request, job_id)


class ImportOptions(Schema):
    """What the page asks before an import (`kam import orders` has the same options)."""

    source: str = Field(
        ...,
        min_length=1,
        max_length=64,
        description="the system the file comes from: lines are matched by source, order "
        "number and line number, so give every export of one system the same source",
    )
    date_order: DateOrder | None = Field(None, description="how to read 03/05/2024")
    date_format: str | None = Field(None, max_length=32, description="e.g. %d.%m.%Y")
    encoding: Encoding | None = Field(None, description="a CSV's encoding (default: detected)")
    sheet: str | None = Field(None, max_length=100, description="the sheet (default: the first)")
    currency: Currency | None = Field(None, description="the file's currency (default: kam's)")
    skip_unidentified: bool = Field(False, description="leave out rows without a customer")
    map: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="HEADER=FIELD, once per column kam does not recognise (FIELD empty: "
        "ignore the column)",
    )


def _mapping(pairs: list[str]) -> dict[str, str]:
    """HEADER=FIELD pairs, as `kam import orders --map`, checked before anything is kept."""
    mapping, problems = {}, []
    for pair in pairs:
        header, sep, field = pair.partition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header or len(header) > 255:
            problems.append(
                _("Each map entry is HEADER=FIELD, not “%(pair)s”.") % {"pair": pair[:100]}
            )
        elif field and field not in FIELDS:
            problems.append(
                _("Unknown field “%(field)s” for column “%(header)s”. Valid fields: %(fields)s.")
                % {"field": field, "header": header, "fields": ", ".join(FIELDS)}
            )
        else:
            mapping[header] = field
    if problems:
        raise ValidationError({"map": problems})
    return mapping


def _refuse_when_busy() -> None:
    """409 before anything is kept, when another import holds the lock (the page would show
    the same sentence on its import button)."""
    web_import.expire_stale_jobs()
    holder = active_import()
    if holder is not None:
        raise HttpError(409, busy_message(holder))


UPLOAD_RESPONSES = {202: JobOut, **errors(400, 403, 409, 422)}


@imports.post("/", response=UPLOAD_RESPONSES, summary="Upload and import a file")
def upload(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    options: Form[ImportOptions],
):
    """The import page in one request: the file (.csv or .xlsx; its size and, for a workbook,
    what it unpacks to are checked first: 400) is kept and its import queued for `kam
    worker`: 202 with the job; poll it until it is done, rejected (see its report) or
    failed. While another import runs: 409, and nothing is kept. For those who may import
    (the portfolio and finance)."""
    access.require(request.auth, Action.IMPORT)
    reading, chosen, mapping = _options(options)
    _refuse_when_busy()
    try:
        job = web_import.save_upload(file, request.auth, origin=ImportOrigin.API)
    except web_import.UploadError as error:
        raise ValidationError({"file": [str(error)]}) from None
    web_import.update_options(job, mapping={}, **reading)  # they decide the columns
    web_import.update_options(job, mapping=mapping, **chosen)
    _start(job)
    response["Location"] = request.build_absolute_uri(f"{request.path}{job.pk}/")
    return Answer(202, _job(request, job.pk))


def _options(options: ImportOptions) -> tuple[dict, dict, dict]:
    """The page's options, as its form cleans them (text stripped), in two parts: what
    decides the file's columns (sheet, encoding), and the rest; and the mapping."""
    source = options.source.strip()
    if not source:
        raise ValidationError({"source": [_("This value is required.")]})
    reading = {k: v.strip() for k in ("sheet", "encoding") if (v := getattr(options, k))}
    chosen = options.dict(include={"date_order", "currency", "skip_unidentified"})
    chosen = {k: v for k, v in chosen.items() if v is not None}
    chosen.update(source=source, date_format=(options.date_format or "").strip())
    return reading, chosen, _mapping(options.map)


def _start(job: ImportJob) -> None:
    """Queue the import (web_import.start_import); refused, the upload goes with its file."""
    try:
        web_import.start_import(job)
    except web_import.ImportBusy as error:
        web_import.discard_job(job)
        raise HttpError(409, str(error)) from None
    except web_import.ImportNotReady as error:
        web_import.discard_job(job)
        raise ValidationError({"source": [str(error)]}) from None


class ProblemOut(Schema):
    row: int | None = Field(..., description="the row in the file; null: the whole file")
    column: str
    value: str
    code: str = Field(..., description="the kind of problem, for programs")
    reason: str = Field(..., description="the page's sentence, in your language")


class Problems:
    """A refused run's stored problems, turned into rows only for the page asked for."""

    def __init__(self, stored: list):
        self.stored = stored

    def count(self) -> int:
        return len(self.stored)

    def __getitem__(self, window: slice) -> list[dict]:
        return [
            {
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "code": p.code,
                "reason": p.page_reason,
            }
            for p in web_import.problems_from_json(self.stored[window])
        ]


@imports.get(
    "/{int:job_id}/report/",
    response={200: list[ProblemOut], **errors(400, 403, 404)},
    summary="Bad rows of a refused import",
)
@paginate(Page)
def report(request: HttpRequest, job_id: Id):
    """Every problem that made the import refuse the file (state `rejected`): row, column,
    value and reason, in file order — the report the page shows and downloads. Empty for
    an import that was not refused."""
    job = _job(request, job_id, ImportJob.objects.only("pk", "state", "problems"))
    return Problems(job.problems if job.state == ImportJobState.REJECTED else [])


router.add_router("order-lines", lines)
router.add_router("imports", imports)
