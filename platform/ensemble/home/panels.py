"""What a home page shows beyond its own basics: panels registered by capabilities.

The home pages (a person's landing page, a centre's, an employer's, a
federation's) belong to the foundation, which imports no capability. A
capability that has something there for the person who opens the page
(« what needs me today ») registers a panel next to its views:

    @home_panel("centre", "agenda.requests", "agenda/_home_requests.html",
                versions=lambda place: [f"agenda-requests:{place.tenant_id}"])
    def pending_requests(place: HomePlace) -> dict | None:
        ...  # the template's values, or None: nothing to show this person

A page renders, in `order`, the panels of its kind whose `build` returns values;
each panel's template receives them as `panel.values`. `build` runs under the
person's row-level security, like the page: it decides by role from
`place.context`.

A centre's home page is cached whole (ensemble.web.page_cache). A panel that
can appear on a cached page names the versions its content depends on
(`versions`), which its capability bumps after commit
(ensemble.cache_versions.bump_after_commit); while a panel of the page's kind
names none, the page is not cached, so no panel is ever shown stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ensemble.tenancy.context import TenantContext

KINDS = ("person", "centre", "employer", "federation")


@dataclass(frozen=True)
class HomePlace:
    """The page being built: whose home it is, and who is looking."""

    kind: str  # one of KINDS; "person" is the landing page, which has no tenant
    tenant_id: int | None
    slug: str | None
    user_id: int
    context: TenantContext


Build = Callable[[HomePlace], Mapping[str, object] | None]
Versions = Callable[[HomePlace], list[str]]


@dataclass(frozen=True)
class Panel:
    kind: str
    name: str  # stable and unique, e.g. "hr.overview"
    template: str
    build: Build
    order: int
    versions: Versions | None


@dataclass(frozen=True)
class ShownPanel:
    name: str
    template: str
    values: Mapping[str, object]


PANELS: list[Panel] = []


def home_panel(
    kind: str,
    name: str,
    template: str,
    *,
    order: int = 50,
    versions: Versions | None = None,
) -> Callable[[Build], Build]:
    """Decorator: show `template` on the home pages of `kind`, with the values
    `build(place)` returns (None: not for this person)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown home page kind {kind!r} (one of {', '.join(KINDS)})")

    def register(build: Build) -> Build:
        if any(p.name == name for p in PANELS):
            raise ValueError(f"Home panel {name!r} is already registered")
        PANELS.append(Panel(kind, name, template, build, order, versions))
        PANELS.sort(key=lambda p: (p.order, p.name))
        return build

    return register


def panels_for(place: HomePlace) -> list[ShownPanel]:
    """The panels to show on `place`'s page, in order."""
    shown = []
    for panel in PANELS:
        if panel.kind != place.kind:
            continue
        values = panel.build(place)
        if values is not None:
            shown.append(ShownPanel(panel.name, panel.template, values))
    return shown


def versions_for(place: HomePlace) -> list[str] | None:
    """The cache versions the panels of `place`'s page depend on, or None when
    one of them names none (the page must then not be cached)."""
    names: list[str] = []
    for panel in PANELS:
        if panel.kind != place.kind:
            continue
        if panel.versions is None:
            return None
        names += panel.versions(place)
    return names
