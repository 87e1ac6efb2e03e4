"""The visits' and tasks' API (mounted by kam.care.api)."""

ROUTERS: list = []
