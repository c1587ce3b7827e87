"""UpdateParameters: the marker only ever moves forward."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from contract.errors import InputValidationError, MarkerError, MarkerWriteError

from .conftest import MARKER

pytestmark = pytest.mark.unit


@pytest.fixture
def update(load_module, ssm):
    module = load_module("update_parameters")
    return lambda newest, older_window=False: module.handler(event(newest, older_window), None)


SERVING_MODEL = "dev--linear-learner--20260110-0123abcd"


def event(newest, older_window: bool = False) -> dict:
    return {
        "newestDate": newest,
        "allowOlderWindow": older_window,
        "execution": {"name": "run-1"},
        "deployment": {"modelName": SERVING_MODEL, "endpointName": "dev--linear-learner"},
    }


def marker(ssm) -> str:
    return ssm.get_parameter(Name=MARKER)["Parameter"]["Value"]


def test_the_first_run_creates_the_marker(update, ssm):
    assert update("2026-01-10") == {"before": None, "after": "2026-01-10", "advanced": True}
    assert marker(ssm) == "2026-01-10"


def test_a_newer_date_advances_it(update, ssm):
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    assert update("2026-01-10") == {"before": "2026-01-09", "after": "2026-01-10", "advanced": True}
    assert marker(ssm) == "2026-01-10"


@pytest.mark.parametrize("newest", ["2026-01-09", "2026-01-10"])
def test_it_never_goes_backwards(update, ssm, newest):
    ssm.put_parameter(Name=MARKER, Value="2026-01-10", Type="String")
    assert update(newest) == {"before": "2026-01-10", "after": "2026-01-10", "advanced": False}
    assert marker(ssm) == "2026-01-10"
    assert ssm.get_parameter(Name=MARKER)["Parameter"]["Version"] == 1  # not even rewritten


def test_an_older_window_deployed_on_purpose_moves_it_back(update, ssm):
    """The serving model then covers only the older window: a marker left ahead would make
    the next run skip the newer days that model never saw."""
    ssm.put_parameter(Name=MARKER, Value="2026-01-10", Type="String")
    assert update("2026-01-08", older_window=True) == {
        "before": "2026-01-10",
        "after": "2026-01-08",
        "advanced": True,
    }
    assert marker(ssm) == "2026-01-08"


@pytest.mark.parametrize("flag", [None, "true", 1])
def test_the_older_window_flag_must_be_a_bool(load_module, ssm, flag):
    module = load_module("update_parameters")
    with pytest.raises(InputValidationError, match="allowOlderWindow"):
        module.handler({**event("2026-01-10"), "allowOlderWindow": flag}, None)


@pytest.mark.parametrize("newest", [None, "2026-1-10", "20260110", "2026-02-30", 20260110])
def test_a_newest_date_that_is_not_a_date_is_rejected(update, ssm, newest):
    with pytest.raises(
        InputValidationError, match="event field newestDate must be a YYYY-MM-DD date"
    ):
        update(newest)
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=MARKER)


def test_a_corrupt_marker_is_not_overwritten(update, ssm):
    ssm.put_parameter(Name=MARKER, Value="yesterday", Type="String")
    with pytest.raises(MarkerError, match=MARKER):
        update("2026-01-10")
    assert marker(ssm) == "yesterday"


@pytest.mark.parametrize(
    ("operation", "code"),
    [("get_parameter", "ThrottlingException"), ("put_parameter", "AccessDeniedException")],
)
def test_ssm_refusing_the_marker_tells_the_truth_about_what_serves(
    load_module, ssm, operation, code
):
    """The new model serves: the error (retried by the definition, then MarkerNotAdvanced's
    cause) says so, names the model, and gives the command that sets the marker."""
    module = load_module("update_parameters")
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    with Stubber(module.SSM) as stub:
        if operation == "put_parameter":
            stub.add_response(
                "get_parameter",
                {"Parameter": {"Name": MARKER, "Value": "2026-01-09", "Type": "String"}},
            )
        stub.add_client_error(operation, code, "SSM said no")
        with pytest.raises(MarkerWriteError) as raised:
            module.handler(event("2026-01-10"), None)
    message = str(raised.value)
    assert f"The new model {SERVING_MODEL} IS serving on endpoint dev--linear-learner" in message
    assert f"the marker {MARKER} could not be advanced to 2026-01-10" in message
    assert code in message
    assert (
        f"aws ssm put-parameter --name {MARKER} --value 2026-01-10 --type String --overwrite"
        in message
    )
    assert marker(ssm) == "2026-01-09"
