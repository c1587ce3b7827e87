"""The embedded runtime: the pipeline's AWS, Slack and time, emulated in one process.

Laid out like the services it emulates (moto-style): `awslambda`, `eventbridge` (rules and
Scheduler), `s3`, `sagemaker`, `slack`, `stepfunctions`; `deploy` puts the real Pulumi
program into them; `internals` is the one door to moto's and Pulumi's private parts.
`runtime.LocalCloud` assembles everything on `clock.Clock`; `demo`, `plan`, `session` and
`bench` are the commands (`python -m localcloud ...`, `python -m localcloud.bench`).
Production code never imports this package.
"""
