"""The classroom hub's setup: its npm lock comes from pyproject.toml, and `install --hub` installed it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from facecourse.paths import ROOT

HUB = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["facecourse"]["hub"]


def test_the_proxy_lock_is_generated_from_pyproject():
    """hub/package.json says exactly what [tool.facecourse.hub] npm asks, and the lock pins it with a hash."""
    package = json.loads((ROOT / "hub" / "package.json").read_text(encoding="utf-8"))
    wanted = dict(spec.rsplit("@", 1) for spec in HUB["npm"])
    assert package["dependencies"] == wanted, "hub/package.json is stale: run `python3 course.py lock`"
    lock = json.loads((ROOT / "hub" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["dependencies"] == wanted
    for name, entry in lock["packages"].items():
        if name:
            assert entry.get("integrity", "").startswith("sha512-"), f"{name} has no integrity hash in the lock"
    assert not any(e.get("hasInstallScript") for e in lock["packages"].values()), "npm ci runs --ignore-scripts"


def test_the_proxy_is_installed_where_the_hub_config_finds_it():
    """`python3 course.py install --hub` put configurable-http-proxy beside this environment's Python."""
    proxy = Path(sys.executable).parent / "configurable-http-proxy"
    if not proxy.exists():
        if os.environ.get("FACECOURSE_REQUIRE_HUB") == "1":
            pytest.fail(f"FACECOURSE_REQUIRE_HUB=1 but {proxy} is missing: run `python3 course.py install --hub`")
        pytest.skip("the hub's proxy is not installed: run `python3 course.py install --hub`")
    version = subprocess.run([str(proxy), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    pinned = json.loads((ROOT / "hub" / "package-lock.json").read_text(encoding="utf-8"))
    assert version == pinned["packages"]["node_modules/configurable-http-proxy"]["version"]
    assert shutil.which("git"), "nbgitpuller needs git"
