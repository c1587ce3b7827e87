"""The real Pulumi program deployed into the embedded, moto-backed AWS.

`stack.deploy_stack` runs the program (`pulumi_program`) under `stack.MotoMocks`; each
resource type becomes AWS API calls in `resources` (framework, storage, identity, logs,
secrets), `pipeline` (Lambda, Step Functions, Scheduler, EventBridge), `alarms` (SNS,
CloudWatch alarms) and `registry` (SageMaker model package groups); provider functions are
answered in `calls`.
"""
