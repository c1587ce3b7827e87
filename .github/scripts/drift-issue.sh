#!/usr/bin/env bash
# Keeps one GitHub issue per stack in step with the latest drift check (drift.yml):
#   drift  -> open "Drift detected in stack <stack>" (label `drift`) with the diff, or update
#             the open one and comment;
#   clean  -> close the open one with a comment.
#
# Environment: STACK, DRIFT (true|false), REPORT (file with the refresh output),
# DEPLOYED (the commit deployed to the stack), GH_TOKEN (issues: write), GITHUB_REPOSITORY,
# GITHUB_SERVER_URL, GITHUB_RUN_ID.
set -euo pipefail

: "${STACK:?}" "${DRIFT:?}" "${GITHUB_REPOSITORY:?}"
if [[ ! "$STACK" =~ ^[a-z0-9-]+$ ]]; then
  echo "::error::unexpected stack name '$STACK'" >&2
  exit 1
fi
repo="$GITHUB_REPOSITORY"
run_url="${GITHUB_SERVER_URL:-https://github.com}/$repo/actions/runs/${GITHUB_RUN_ID:-0}"
title="Drift detected in stack $STACK"

gh label create drift --repo "$repo" --color D93F0B --force \
  --description "A deployed stack differs from its Pulumi state (drift.yml)" >/dev/null

number="$(gh issue list --repo "$repo" --state open --label drift --limit 100 \
  --json number,title --jq "map(select(.title == \"$title\")) | .[0].number // empty")"

if [[ "$DRIFT" == "true" ]]; then
  : "${REPORT:?}"
  body="$(mktemp)"
  {
    echo "\`pulumi refresh --preview-only --expect-no-changes\` found resources of stack"
    echo "\`$STACK\` that differ from the state Pulumi recorded (deployed commit"
    echo "\`${DEPLOYED:-unknown}\`). Last checked by $run_url"
    echo
    echo "Either revert the manual change in AWS, or adopt it: change the program (or"
    echo "\`Pulumi.$STACK.yaml\`) and deploy it through a pull request. This issue closes"
    echo "itself when a drift check finds the stack clean again."
    echo
    echo '```diff'
    # GitHub caps an issue body at 65,536 characters.
    head -c 60000 "$REPORT"
    echo
    echo '```'
  } >"$body"
  if [[ -z "$number" ]]; then
    gh issue create --repo "$repo" --title "$title" --label drift --body-file "$body"
  else
    gh issue edit "$number" --repo "$repo" --body-file "$body" >/dev/null
    gh issue comment "$number" --repo "$repo" --body "Still drifting: $run_url"
  fi
elif [[ -n "$number" ]]; then
  gh issue close "$number" --repo "$repo" \
    --comment "Stack \`$STACK\` shows no drift any more ($run_url). Closing."
else
  echo "stack $STACK: no drift, no open issue"
fi
