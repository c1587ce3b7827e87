"""Slack: a local Slack-compatible Web API over HTTP (`api`), for the real slack_sdk."""
