"""Where notify_slack finds the Slack token: a Secrets Manager secret, never an env var.

- `slackTokenSecretArn` names an existing secret: it is used as is.
- otherwise the stack creates a secret; `slackToken` (a Pulumi secret) becomes its value.
  Without a token the secret is created empty: the operator puts the token in it later
  (`aws secretsmanager put-secret-value`), and until then notify_slack reports
  `secret-missing` without failing the pipeline.

The token only ever travels as a Pulumi secret Output (encrypted in the state).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.context import DeployContext


class SlackTokenSecret(pulumi.ComponentResource):
    arn: pulumi.Output[str]

    def __init__(
        self,
        logical_name: str,
        context: DeployContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:notifications:SlackTokenSecret", logical_name, None, opts)
        settings = context.settings
        if settings.slack_token_secret_arn is not None:
            self.arn = pulumi.Output.from_input(settings.slack_token_secret_arn)
        else:
            secret = aws.secretsmanager.Secret(
                logical_name,
                name=context.names.slack_secret,
                description=f"Slack bot token of the retraining pipeline ({context.stack})",
                # Without protection, delete at once so the stack can be re-created with
                # the same secret name (a scheduled deletion keeps the name for 30 days).
                recovery_window_in_days=30 if settings.protect_data else 0,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.arn = secret.arn
            if settings.slack_token is not None:
                aws.secretsmanager.SecretVersion(
                    logical_name,
                    secret_id=secret.id,
                    secret_string=settings.slack_token,  # a secret Output (Config.get_secret)
                    opts=pulumi.ResourceOptions(parent=secret),
                )
            else:
                pulumi.log.warn(
                    f"Slack is enabled but no token is configured: the secret "
                    f"{context.names.slack_secret} is created empty. Put the bot token in it "
                    f"(aws secretsmanager put-secret-value --secret-id "
                    f"{context.names.slack_secret} --secret-string <token>) or run "
                    f"`pulumi config set --secret retraining:slackToken <token>`; until then "
                    f"notifications report secret-missing and the pipeline carries on.",
                    resource=self,
                )
        self.register_outputs({"arn": self.arn})
