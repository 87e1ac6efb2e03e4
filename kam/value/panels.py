"""Panels other apps add to the portfolio dashboard, without the value app knowing them.

Apps above value in the layers (care) must not be imported by it, so they register here
from their AppConfig.ready()::

    from kam.value import panels
    panels.register(panels.Panel(key="coverage", title=_("Coverage"), order=10,
        template="care/panels/coverage.html", context=coverage_panel))

`context(request) -> dict` computes the panel's figures for the user (scoped by the access
layer, in a constant number of queries); the dashboard renders each registered panel's
template, in order, below its own figures, with the context under ``panel_context``. A
context that returns None hides the panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    title: Any
    order: int
    template: str
    context: Callable[[Any], dict | None]


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add a panel; a second one with the same key is a mistake."""
    if panel.key in _registry:
        raise ValueError(f"a dashboard panel {panel.key!r} is registered already")
    _registry[panel.key] = panel
    return panel


def unregister(key: str) -> None:
    """For tests that add a panel of their own and take it away after."""
    _registry.pop(key, None)


def registered() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.key))


def rendered(request) -> list[dict]:
    """Each panel with its context for this request, in order; hidden ones left out."""
    out = []
    for panel in registered():
        context = panel.context(request)
        if context is not None:
            out.append({"panel": panel, "context": context})
    return out
