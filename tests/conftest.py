"""Suite-wide test configuration: Hypothesis profiles and shared AWS test settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `dev` keeps the inner loop fast; `ci` (selected by HYPOTHESIS_PROFILE=ci, which .ci/run
# sets for the whole suite) runs more examples; `thorough` is what the GitHub property-test
# jobs that gate every `pulumi up` select (`make properties`: the routing properties alone, so
# they can afford the most). Deadlines are off because moto's interpreter runs executions on
# threads whose timing the machines here cannot promise.
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# No test may reach a real AWS account, whatever the developer's shell holds.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


TESTS = Path(__file__).resolve().parent
# Packages whose conftest holds package-scoped fixtures: tests/e2e shares one deployed
# LocalCloud (~15 s to build). pytest tears a package fixture down as soon as a test from
# elsewhere runs, so under xdist such a package must stay together on one worker.
WHOLE_PACKAGES = frozenset({"e2e", "e2e_prod"})


# Marked as each test is collected: xdist's worker reads the `xdist_group` marks in its
# modifyitems hook (it suffixes each node id with its group, which is what `--dist loadgroup`
# schedules by). Marks added in a modifyitems hook of ours came too late: every file's tests
# were spread over both workers, each building the module and package fixtures again.
def pytest_itemcollected(item: pytest.Item) -> None:
    """One xdist group per test file (its module fixtures built once), one per package in
    WHOLE_PACKAGES; `make test` distributes with `--dist loadgroup`. Without xdist (`-p
    no:xdist`) the mark is not registered (and `--strict-markers` refuses it): none is added."""
    if not item.config.pluginmanager.hasplugin("xdist"):
        return
    path = item.path.relative_to(TESTS)
    group = path.parts[0] if path.parts[0] in WHOLE_PACKAGES else path.as_posix()
    item.add_marker(pytest.mark.xdist_group(group))
