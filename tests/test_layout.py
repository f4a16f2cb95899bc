"""The repository layout: `platform` stays the standard library's module."""

import importlib.util
import subprocess
import sys

from conftest import ROOT


def test_platform_folder_is_not_a_package():
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_standard_platform_module_still_works_from_the_repository_root():
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform; print(platform.system()); print(platform.__file__)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    system, path = out.stdout.splitlines()[:2]
    assert system in ("Linux", "Darwin", "Windows")
    assert not path.startswith(str(ROOT / "platform"))


def test_application_packages_resolve_under_their_own_names():
    for name in ("ensemble", "tenants", "workers"):
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        assert spec.origin and str(ROOT) in spec.origin
