"""A local SageMaker that really trains and serves, on virtual time.

`service.LocalSageMaker` wires it into moto. `training`: training jobs on the clock;
`algorithm`: what Linear Learner does with a job's input; `linear`: the regressor itself
(numpy, no moto); `endpoints`: endpoint deployments and InvokeEndpoint; `hosting`: what an
endpoint configuration deploys and the shapes SageMaker answers with; `deployment_config`:
UpdateEndpoint's DeploymentConfig validated; `rollout`: its blue/green traffic shifting and
auto-rollback on the clock; `invocation_metrics`: the CloudWatch metrics of every
InvokeEndpoint; `variant_faults`: a new model answering 5XX or slowly; `traffic`: a client
calling an endpoint across an update; `common`: S3 access, API errors, time and state-change
events shared by all of them.
"""
