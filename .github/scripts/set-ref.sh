#!/usr/bin/env bash
# Points a git ref of this repository at a commit through the GitHub API, creating it if
# needed and moving it (force) otherwise. Used for the `live/dev` tag (deploy-dev.yml) and
# the `promote/prod` branch (promote.yml). Going through the API means no job ever holds a
# git credential on disk (every checkout uses persist-credentials: false).
#
#   set-ref.sh tags/live/dev 0123...   (needs GH_TOKEN with contents: write, GITHUB_REPOSITORY)
set -euo pipefail

ref="${1:?usage: set-ref.sh <tags/NAME|heads/NAME> <40-hex sha>}"
sha="${2:?usage: set-ref.sh <tags/NAME|heads/NAME> <40-hex sha>}"
repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"

if [[ ! "$ref" =~ ^(tags|heads)/[A-Za-z0-9._/-]+$ ]]; then
  echo "::error::refusing to set unexpected ref '$ref'" >&2
  exit 1
fi
if [[ ! "$sha" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::'$sha' is not a full 40-hex commit SHA" >&2
  exit 1
fi

if gh api "repos/$repo/git/ref/$ref" >/dev/null 2>&1; then
  gh api --method PATCH "repos/$repo/git/refs/$ref" -f sha="$sha" -F force=true >/dev/null
  echo "moved refs/$ref to $sha"
else
  gh api --method POST "repos/$repo/git/refs" -f ref="refs/$ref" -f sha="$sha" >/dev/null
  echo "created refs/$ref at $sha"
fi
