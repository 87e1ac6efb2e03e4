"""What every app's API module (`<app>/api.py`) shares: the page of a list, the error body,
the responses each operation documents, ordering and `updated_since`, the stale-edit token
as ETag / If-Match, and the registry of the deletions feed.

It lives in core (the bottom layer) so that every domain app can build its router on it
without importing upwards; `kam.api` (on top) mounts the routers, authenticates and turns
exceptions into these bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase

from .concurrency import Seen, Watched, read_token, seen_token

MAX_ID = 2**63 - 1  # the largest id a database column holds (SQLite and PostgreSQL bigint)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id in a path, a filter or a body: a larger number is a 400/422, never a database error."""

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class ErrorOut(Schema):
    """Every error answer: a sentence in the user's language, and per field what is wrong
    (`__all__` for the request as a whole)."""

    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class ConflictOut(ErrorOut):
    """409: what changed since the client read the object (StaleEdit)."""

    conflicts: list[dict[str, Any]] = Field(default_factory=list)


def errors(*codes: int) -> dict[int, type[Schema]]:
    """The error responses an operation documents (401 always: every route needs a token)."""
    return {code: ConflictOut if code == 409 else ErrorOut for code in sorted({401, *codes})}


READ = errors(400, 404)  # a list or a detail
WRITE = errors(400, 403, 404, 409, 422)  # a change to an object


class Page(PaginationBase):
    """limit/offset, with the total `count` and links to the `next` and `previous` pages,
    as Django REST framework writes them, so clients written for it work unchanged."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page")
        offset: int = Field(0, ge=0, le=10**9, description="rows to skip")

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request, **params):
        limit, offset = pagination.limit, pagination.offset
        count = len(queryset) if isinstance(queryset, list) else queryset.count()
        rows = list(queryset[offset : offset + limit])
        return {
            "count": count,
            "next": _link(request, limit, offset + limit) if offset + limit < count else None,
            "previous": _link(request, limit, max(offset - limit, 0)) if offset > 0 else None,
            "results": rows,
        }


def _link(request: HttpRequest, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"], query["offset"] = str(limit), str(offset)
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(query.items()))


def ordered(queryset: QuerySet, ordering: str | None, default: str) -> QuerySet:
    """`ordering` is one of the operation's whitelisted fields (a Literal in its filter
    schema, so a bad value never gets here); the id breaks ties, so pages never overlap."""
    field = ordering or default
    return queryset.order_by(field, "-pk" if field.startswith("-") else "pk")


def since(queryset: QuerySet, updated_since: datetime | None) -> QuerySet:
    """Rows changed at or after `updated_since`: incremental sync. A naive time is the
    server's time zone."""
    if updated_since is None:
        return queryset
    return queryset.filter(updated_at__gte=aware(updated_since))


def aware(moment: datetime) -> datetime:
    """A time without a zone is the server's (TIME_ZONE); in UTC, as PostgreSQL takes no
    offset beyond ±16 hours and ISO 8601 allows ±24. Past year 1 or 9999: the bound."""
    moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        bound = datetime.min if moment.year == 1 else datetime.max
        return bound.replace(tzinfo=UTC)


# ---------------------------------------------------------------- ETag / If-Match


def set_etag(response: HttpResponse, obj, watched: Iterable[Watched]) -> None:
    """The stale-edit token of what the client now sees, as the ETag it sends back as
    If-Match with its change."""
    response["ETag"] = f'"{seen_token(obj, watched)}"'


def if_match(request: HttpRequest, obj) -> Seen | None:
    """What the client saw (its If-Match), or None when it sent none (then the change is not
    checked, as from the CLI). A damaged token is a 400."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    return read_token(header.removeprefix("W/").strip('"'), obj)


# ---------------------------------------------------------------- deletions feed

DELETIONS: dict[str, Callable[[Any], QuerySet]] = {}


def deletions(kind: str) -> Callable:
    """Register the soft-deleted rows of one kind a user may learn about: a function of the
    user returning a queryset of deleted rows (with `deleted_at`). `/api/v1/deletions/`
    lists them all, so a client that syncs with `updated_since` learns what went away."""

    def register(rows: Callable[[Any], QuerySet]) -> Callable:
        DELETIONS[kind] = rows
        return rows

    return register


def not_found() -> HttpError:
    return HttpError(404, _("Not found."))
