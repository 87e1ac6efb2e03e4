"""The network's API: third parties, connections and paths (mounted by kam.people.api)."""

ROUTERS: list = []
