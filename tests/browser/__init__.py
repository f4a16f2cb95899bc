# A package, so that tests/browser/conftest.py imports as `browser.conftest` and never
# replaces tests/conftest.py as the `conftest` module the unit tests import from.
