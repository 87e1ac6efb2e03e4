"""The care app's API: its modules' routers, mounted by kam.api (see kam.api.main)."""

from . import api_coverage, api_visits

ROUTERS = [*api_visits.ROUTERS, *api_coverage.ROUTERS]
