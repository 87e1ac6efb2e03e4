"""The API's wiring, in one place: the NinjaAPI at /api/v1/, its authentication, its errors,
and the routers of the apps, found by convention (an app's `api.py` with a `router`), so a
new domain adds its endpoints without editing this file.

Each app's `api.py` may set `PREFIX` (the path its router is mounted at, default the app's
label), or instead list `ROUTERS` as (prefix, router) pairs when its endpoints live under
several paths (people: contacts, cards, third parties, connections, paths); it may register
kinds in the deletions feed (kam.core.rest.deletions). Two apps may share a prefix (care's
coverage under "accounts"): their paths must differ."""

from datetime import datetime
from importlib import import_module
from typing import Literal

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.openapi.docs import Swagger
from ninja.pagination import paginate

from kam.core.rest import DELETIONS, READ, Page, aware

from . import errors
from .auth import SessionAuth, TokenAuth

DESCRIPTION = """kam's REST API. Authenticate with a personal API token
(`Authorization: Bearer <token>`; create one on your API tokens page or with
`kam api-token create`), or with your browser session on this page.
Lists are paged with `limit`/`offset` and say their total `count`; every list takes
`updated_since`; `/api/v1/deletions/` lists what was deleted since a time.
Errors are `{"detail": …, "errors": {field: [messages]}}` in your language."""


def build() -> NinjaAPI:
    api = NinjaAPI(
        title="kam",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=[TokenAuth(), SessionAuth()],
        docs=Swagger(settings={"persistAuthorization": False}),
    )
    errors.install(api)
    for prefix, router in app_routers():
        api.add_router(prefix, router)
    api.add_router("deletions", deletions_router())  # after the apps registered their kinds
    return api


def app_routers():
    """(prefix, router) of every installed kam app that has an `api.py` with a router or
    a ROUTERS list."""
    for config in apps.get_app_configs():
        if not config.name.startswith("kam.") or config.name == "kam.api":
            continue
        if not module_has_submodule(config.module, "api"):
            continue
        module = import_module(f"{config.name}.api")
        router = getattr(module, "router", None)
        if isinstance(router, Router):
            yield getattr(module, "PREFIX", config.label), router
        yield from getattr(module, "ROUTERS", ())


class Deletion(Schema):
    kind: str
    id: int
    deleted_at: datetime


def deletions_router() -> Router:
    """The feed of deletions, over the kinds the apps registered (so built after them)."""
    router = Router(tags=["deletions"])
    kinds = Literal[tuple(sorted(DELETIONS))]  # type: ignore[valid-type]

    class DeletionFilters(Schema):
        since: datetime | None = Field(None, description="deletions at or after this time")
        kind: kinds | None = Field(None, description="only this kind")  # type: ignore[valid-type]

    @router.get("/", response={200: list[Deletion], **READ}, summary="Deleted objects")
    @paginate(Page)
    def list_deletions(request, filters: Query[DeletionFilters]):
        """What was deleted (softly, so restorable) that you could see: kind, id and when,
        oldest first, from `since` on. A restored object comes back in its list with a new
        `updated_at`."""
        rows = []
        for kind, query in sorted(DELETIONS.items()):
            if filters.kind and kind != filters.kind:
                continue
            queryset = query(request.auth)
            if filters.since is not None:
                queryset = queryset.filter(deleted_at__gte=aware(filters.since))
            rows += [
                {"kind": kind, "id": pk, "deleted_at": at}
                for pk, at in queryset.values_list("pk", "deleted_at")
            ]
        rows.sort(key=lambda row: (row["deleted_at"], row["kind"], row["id"]))
        return rows

    return router


api = build()
