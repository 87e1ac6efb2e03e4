"""The relationship cards' API (mounted at /api/v1/cards/ by kam.people.api)."""

from ninja import Router

router = Router(tags=["relationship cards"])
