"""The coverage API: GET /api/v1/accounts/{id}/coverage/ (mounted by kam.care.api)."""

ROUTERS: list = []
