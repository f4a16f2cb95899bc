"""The import-linter contracts (pyproject.toml) cover the whole package: every
top-level module of `ensemble` is a feature, part of the foundation, or the
composition root, so a capability added later is checked from its first commit
(`python3 dev.py lint` runs the contracts themselves)."""

from __future__ import annotations

import tomllib

from conftest import ROOT

PACKAGE = ROOT / "platform" / "ensemble"
# The app factory (ensemble/__init__.py) and what only it uses: they assemble
# the features and the foundation, so they may import both.
COMPOSITION_ROOT = {"ensemble.cli", "ensemble.lifecycle", "ensemble.models", "ensemble.wsgi"}
KERNEL_MAY_IMPORT = {"ensemble.db", "ensemble.extensions", "ensemble.redis_store"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def _top_level_modules() -> set[str]:
    names = set()
    for path in PACKAGE.iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            names.add(f"ensemble.{path.name}")
        elif path.suffix == ".py" and path.name != "__init__.py":
            names.add(f"ensemble.{path.stem}")
    return names


def _features(contracts: dict[str, dict]) -> set[str]:
    """Independent features, and CalDAV, the agenda's protocol face (its own contracts
    say it imports the agenda only and that no feature imports it)."""
    return set(contracts["features-independent"]["modules"]) | set(
        contracts["caldav-over-agenda"]["source_modules"]
    )


def _layered(contract: dict) -> set[str]:
    return {
        name.strip()
        for layer in contract["layers"]
        for name in layer.replace(":", "|").split("|")
        if name.strip()
    }


def test_every_top_level_module_is_a_feature_the_foundation_or_the_composition_root():
    contracts = _contracts()
    features = _features(contracts)
    foundation = set(contracts["foundation-below-features"]["source_modules"])
    assert not features & foundation
    assert not (features | foundation) & COMPOSITION_ROOT
    unclassified = _top_level_modules() - features - foundation - COMPOSITION_ROOT
    assert not unclassified, (
        f"Classify {sorted(unclassified)} in pyproject.toml's import-linter contracts: "
        "a feature (features-independent, foundation-below-features, kernel-alone) or "
        "part of the foundation (foundation-below-features, foundation-layers)."
    )
    assert _top_level_modules() >= features | foundation  # no stale name either


def test_the_foundation_is_forbidden_every_feature_and_is_layered_whole():
    contracts = _contracts()
    features = _features(contracts)
    foundation = set(contracts["foundation-below-features"]["source_modules"])
    assert set(contracts["foundation-below-features"]["forbidden_modules"]) == features
    assert _layered(contracts["foundation-layers"]) == foundation


def test_the_kernel_is_forbidden_everything_but_extensions_db_and_redis_store():
    forbidden = set(_contracts()["kernel-alone"]["forbidden_modules"])
    others = _top_level_modules() - {"ensemble.kernel"} - KERNEL_MAY_IMPORT
    assert forbidden == others
