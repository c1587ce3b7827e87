"""StartTrainingJob and GetStatus (training) against moto.

moto completes a training job the moment it is created, so "InProgress" and unknown
statuses are produced with botocore's Stubber at the client boundary (marked below).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from botocore.stub import Stubber

from contract import names
from contract.lambdas import CommonSettings
from contract.status import STAGE_TRAINING
from functions import naming

from .conftest import ARTIFACT_PREFIX, BUCKET, MODEL, REGION, STACK, CallCounter

pytestmark = pytest.mark.unit

MANIFEST = f"s3://{BUCKET}/data/{MODEL}/manifests/run-1.manifest"
HOLDOUT = f"s3://{BUCKET}/data/{MODEL}/manifests/run-1.holdout.manifest"
# As the definition sends it: StartTrainingJob's entry time and the training deadline.
NOW = "2026-01-10T06:00:00.000Z"
POLLING = {"initialSeconds": 600, "maxSeconds": 3600, "now": NOW, "deadlineSeconds": 7200}
FAR_DEADLINE = "2026-01-11T06:00:00Z"


def start_event(execution: str = "run-1", run_date: str = "2026-01-10") -> dict:
    return {
        "data": {
            "manifestUri": MANIFEST,
            "holdoutManifestUri": HOLDOUT,
            "runDate": run_date,
            "decision": "train",
        },
        "execution": {"name": execution},
        "polling": POLLING,
    }


@pytest.mark.parametrize(
    ("stack_name", "model_name"),
    [
        ("dev", MODEL),
        ("s" * 20, "m" * (names.MAX_SCOPE_LENGTH - len(names.SEPARATOR) - 20)),
        ("a", "m" * names.MAX_MODEL_NAME),
        ("prod-eu", "a1-b2"),
    ],
)
def test_run_resource_names_are_valid_for_sagemaker_and_unique_per_execution(
    stack_name, model_name
):
    day = date(2026, 1, 10)
    first = naming.run_resource_name(stack_name, model_name, "run-1", day)
    assert len(first) <= 63
    assert re.fullmatch(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", first)
    assert first == f"{stack_name}--{model_name}--{naming.run_suffix('run-1', day)}"
    assert naming.run_resource_name(stack_name, model_name, "run-2", day) != first
    assert naming.run_resource_name(stack_name, model_name, "run-1", day) == first
    settings = CommonSettings(model_name=model_name, stack_name=stack_name, log_level="INFO")
    assert naming.is_run_resource_of(settings, first)
    for other_stack, other_model in [
        (f"{stack_name}-b", model_name),  # a stack whose name extends ours
        (stack_name, f"{model_name}-b"),  # a model whose name extends ours
        ("other", model_name),
    ]:
        other = CommonSettings(model_name=other_model, stack_name=other_stack, log_level="INFO")
        assert not naming.is_run_resource_of(other, first)
        assert not naming.run_resource_name(other_stack, other_model, "run-1", day).startswith(
            naming.run_resource_prefix(settings)
        )


def test_start_creates_the_job_this_run_describes(load_module, s3, sagemaker):
    module = load_module("start_training_job")
    status = module.handler(start_event(), None)

    name = naming.run_resource_name(STACK, MODEL, "run-1", date(2026, 1, 10))
    assert status == {
        "stage": STAGE_TRAINING,
        "status": "InProgress",
        "name": name,
        "trainingJobName": name,
        "message": f"Training job {name} started on {MANIFEST} (holdout {HOLDOUT})",
        "serving": False,
        # The training deadline (deadlineSeconds) starts when StartTrainingJob runs.
        "poll": {
            "count": 0,
            "timeoutSeconds": 600,
            "startedAt": "2026-01-10T06:00:00Z",
            "deadlineAt": "2026-01-10T08:00:00Z",
            "deadlinePassed": False,
        },
        "consoleUrl": f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}#/jobs/{name}",
    }
    job = sagemaker.describe_training_job(TrainingJobName=name)
    channel = job["InputDataConfig"][0]
    assert channel["ChannelName"] == "train"
    assert channel["ContentType"] == "text/csv"
    assert channel["DataSource"]["S3DataSource"]["S3DataType"] == "ManifestFile"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == MANIFEST
    # The quality gate's holdout is Linear Learner's `test` channel: scored, never trained on.
    test_channel = job["InputDataConfig"][1]
    assert test_channel["ChannelName"] == "test"
    assert test_channel["DataSource"]["S3DataSource"]["S3DataType"] == "ManifestFile"
    assert test_channel["DataSource"]["S3DataSource"]["S3Uri"] == HOLDOUT
    assert len(job["InputDataConfig"]) == 2
    assert job["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    assert job["HyperParameters"] == {
        "predictor_type": "regressor",
        "feature_dim": "3",
        "epochs": "10",
    }
    assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/{ARTIFACT_PREFIX}"
    assert job["ResourceConfig"] == {
        "InstanceType": "ml.m5.large",
        "InstanceCount": 1,
        "VolumeSizeInGB": 10,
    }
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert job["RoleArn"].endswith(":role/sagemaker-execution")


def test_spot_training_sets_max_wait(load_module, s3, sagemaker):
    module = load_module(
        "start_training_job", TRAINING_USE_SPOT="true", TRAINING_MAX_WAIT_SECONDS="7200"
    )
    calls = CallCounter(module.SAGEMAKER, "sagemaker.CreateTrainingJob")
    module.handler(start_event(), None)
    ((_, params),) = calls.calls
    assert params["EnableManagedSpotTraining"] is True
    assert params["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 3600,
        "MaxWaitTimeInSeconds": 7200,
    }
    assert {"Key": "run", "Value": "run-1"} in params["Tags"]


def test_starting_twice_creates_one_job_and_reports_it(load_module, s3, sagemaker):
    module = load_module("start_training_job")
    calls = CallCounter(module.SAGEMAKER, "sagemaker.CreateTrainingJob")
    first = module.handler(start_event(), None)
    again = module.handler(start_event(), None)  # a Lambda retry of the same execution
    assert calls.count("CreateTrainingJob") == 1
    assert again["trainingJobName"] == first["trainingJobName"]
    # moto completed it already: the retry reports what SageMaker says, artefact included.
    assert again["status"] == "Completed"
    assert again["artifactUri"].endswith(f"{first['trainingJobName']}/output/model.tar.gz")
    assert again["poll"]["count"] == 0
    assert again["poll"]["timeoutSeconds"] == 600


def test_create_saying_the_job_exists_is_not_an_error(load_module, s3):
    """AWS answers a taken name with ResourceInUse (moto overwrites instead): stubbed."""
    module = load_module("start_training_job")
    name = naming.run_resource_name(STACK, MODEL, "run-1", date(2026, 1, 10))
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_client_error(
            "describe_training_job", "ValidationException", "Requested resource not found."
        )
        stub.add_client_error(
            "create_training_job",
            "ResourceInUse",
            "Training job names must be unique within an AWS account and region, and a "
            "training job with this name already exists (arn:aws:sagemaker:...)",
        )
        stub.add_response("describe_training_job", _job(name, "InProgress", secondary="Training"))
        status = module.handler(start_event(), None)
    assert (status["status"], status["secondaryStatus"]) == ("InProgress", "Training")
    assert status["message"] == f"Training job {name} is InProgress (Training)"


def _job(name: str, status: str, **extra) -> dict:
    secondary = extra.pop("secondary", status)
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "SecondaryStatus": secondary,
        "ModelArtifacts": {"S3ModelArtifacts": extra.pop("artifact", "")},
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"VolumeSizeInGB": 10},
        "StoppingCondition": {},
        "CreationTime": datetime(2026, 1, 10, 6, tzinfo=UTC),
        **extra,
    }


def test_get_status_reports_a_completed_job_with_metrics_and_artefact(load_module, s3, sagemaker):
    start = load_module("start_training_job")
    status = start.handler(start_event(), None)
    module = load_module("get_status")

    described = module.handler({"status": status, "polling": POLLING}, None)

    assert described["status"] == "Completed"
    assert (
        described["artifactUri"]
        == f"s3://{BUCKET}/{ARTIFACT_PREFIX}{status['name']}/output/model.tar.gz"
    )
    assert described["metrics"] == {"train:progress": 100.0}  # what moto reports
    assert described["message"].startswith(f"Training job {status['name']} completed in ")
    assert described["message"].endswith("; train:progress 100")
    assert described["poll"] == {
        "count": 1,
        "timeoutSeconds": 1200,
        "startedAt": "2026-01-10T06:00:00Z",
        "deadlineAt": "2026-01-10T08:00:00Z",
        "deadlinePassed": False,
    }
    assert described["stage"] == STAGE_TRAINING and described["serving"] is False


def test_get_status_doubles_the_timeout_up_to_the_cap_and_keeps_fields(load_module, s3):
    module = load_module("get_status")
    name = "linear-learner-20260110-0123abcd"
    previous = {
        "stage": "training",
        "status": "InProgress",
        "name": name,
        "trainingJobName": name,
        "poll": {"count": 3, "timeoutSeconds": 2400, "deadlineAt": FAR_DEADLINE},
        "keptField": "from StartTrainingJob",
    }
    finished = _job(
        name,
        "Completed",
        artifact=f"s3://{BUCKET}/a/model.tar.gz",
        TrainingStartTime=datetime(2026, 1, 10, 6, 0, tzinfo=UTC),
        TrainingEndTime=datetime(2026, 1, 10, 7, 2, 30, tzinfo=UTC),
        FinalMetricDataList=[{"MetricName": "validation:mse", "Value": 0.042}],
        BillableTimeInSeconds=3750,
    )
    with Stubber(module.SAGEMAKER) as stub:  # a real duration and metric (moto has neither)
        stub.add_response("describe_training_job", finished)
        described = module.handler({"status": previous, "polling": POLLING}, None)
    assert described["poll"] == {
        "count": 4,
        "timeoutSeconds": 3600,
        "deadlineAt": FAR_DEADLINE,
        "deadlinePassed": False,
    }
    assert described["keptField"] == "from StartTrainingJob"
    assert described["message"] == f"Training job {name} completed in 1h02m; validation:mse 0.042"
    assert described["billableSeconds"] == 3750


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ("Failed", "AlgorithmError: bad label", "failed: AlgorithmError: bad label"),
        ("Stopped", None, "stopped (Stopped)"),
        ("SomethingAWSAddsLater", None, "is SomethingAWSAddsLater"),
    ],
)
def test_get_status_passes_statuses_through(load_module, s3, status, reason, message):
    """Stubbed: moto cannot produce these statuses."""
    module = load_module("get_status")
    name = "linear-learner-20260110-0123abcd"
    extra = {"FailureReason": reason} if reason else {}
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response("describe_training_job", _job(name, status, **extra))
        described = module.handler(
            {
                "status": {
                    "stage": "training",
                    "name": name,
                    "poll": {"count": 0, "timeoutSeconds": 600, "deadlineAt": FAR_DEADLINE},
                },
                "polling": POLLING,
            },
            None,
        )
    assert described["status"] == status
    assert message in described["message"]
    assert described.get("failureReason") == reason


def test_get_status_rejects_an_unknown_stage(load_module, s3):
    from contract.errors import InputValidationError

    module = load_module("get_status")
    with pytest.raises(
        InputValidationError,
        match=r"status\.stage must be one of training, deployment, approval, got 'tuning'",
    ):
        module.handler({"status": {"stage": "tuning", "name": "x"}, "polling": POLLING}, None)


@pytest.mark.parametrize(
    ("polling", "message"),
    [
        ({"initialSeconds": 600}, "polling.maxSeconds is missing"),
        ({"initialSeconds": 0, "maxSeconds": 10}, "1 ≤ initialSeconds ≤ maxSeconds"),
        (
            {"initialSeconds": True, "maxSeconds": 10},
            "polling.initialSeconds must be int, got True",
        ),
    ],
)
def test_polling_settings_are_validated(load_module, s3, polling, message):
    from contract.errors import InputValidationError

    module = load_module("start_training_job")
    event = start_event()
    event["polling"] = polling
    with pytest.raises(InputValidationError, match=re.escape(message)):
        module.handler(event, None)
