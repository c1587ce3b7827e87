"""What the state-machine definition, the Lambda functions and the Pulumi program agree on.

Standard library only: the Lambda package ships this package next to `functions/`, and
`workflow/` (pure Python) and `infra/` import it without pulling in boto3 or Pulumi.

- `contract.document`: the state document's keys, the fields the Choice states read, the
  payloads the definition builds, CheckData's decisions, the execution input.
- `contract.status`: stages, how every SageMaker status is classified, both spellings of a
  status (DescribeEndpoint's `InService`, the events' `IN_SERVICE`).
- `contract.errors`: the errors the functions raise on purpose and those an execution ends
  with, by the names Step Functions sees.
- `contract.limits`: SageMaker's limits (the 28-day ceiling, hyperparameters, names).
- `contract.waits`: how long a run waits for SageMaker (poll timeouts and their bounds,
  managed spot's max wait).
- `contract.kinds` / `contract.rules`: the value kinds (integer, boolean, time zone, ...) that
  check a Lambda's environment and the stack's config alike, and checks across settings.
- `contract.settings`: how a Lambda's settings are declared and read from its environment.
- `contract.grants`: the AWS access a Lambda needs, as data that infra turns into IAM.
- `contract.lambdas`: every Lambda, declared once (handler, limits, settings, grants).
"""
