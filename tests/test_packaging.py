"""The distribution adds one import name, `shellring`: nothing generic (`flows`, `sql`, `matchers`) lands in
site-packages where another project's package of that name would collide with it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import distribution
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]


def test_the_installed_distribution_declares_one_top_level_name_and_the_cli_under_it():
    dist = distribution("shellring")
    assert dist.read_text("top_level.txt").split() == ["shellring"]
    (script,) = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    assert (script.name, script.value) == ("shellring", "shellring.flows.cli.app:app")


def test_outside_the_checkout_only_shellring_imports(tmp_path):
    probe = (
        "import importlib.util, shellring.flows.cli.app, shellring.matchers.address, shellring.sql\n"
        "print([n for n in ('flows', 'matchers', 'sql') if importlib.util.find_spec(n) is not None])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_wheel_holds_only_the_shellring_package_with_its_sql_and_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("shellring-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"shellring", wheel.name.split("-")[0] + "-"
                                                     + wheel.name.split("-")[1] + ".dist-info"}
    for needed in ("shellring/sql/linking/company_links.sql", "shellring/sql/schema/published_tables.sql",
                   "shellring/sql/queries/unique_addresses.sql", "shellring/matchers/data/divisions/areas.csv",
                   "shellring/flows/demo/data/company_addresses.csv", "shellring/flows/pipeline/plan.py"):
        assert needed in names
