#!/usr/bin/env bash
# Opens (or updates) the promotion pull request: branch promote/prod = main + one commit that
# writes SHA into deploy/prod.ref. Run by promote.yml from a checkout of main.
#
# Environment: SHA (the commit live in dev, already verified), CURRENT (the SHA prod.ref pins
# now, may be empty), GH_TOKEN (contents, pull-requests and actions: write),
# GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_OUTPUT.
set -euo pipefail

: "${SHA:?}" "${GITHUB_REPOSITORY:?}"
repo="$GITHUB_REPOSITORY"
branch="promote/prod"
here="$(cd "$(dirname "$0")" && pwd)"
server="${GITHUB_SERVER_URL:-https://github.com}"
short="${SHA:0:12}"

# 1. The branch starts from main's head every time, so the PR holds exactly one change.
main_sha="$(git rev-parse HEAD)"
bash "$here/set-ref.sh" "heads/$branch" "$main_sha"

# 2. Commit deploy/prod.ref on it through the contents API (GitHub signs that commit).
args=(--method PUT "repos/$repo/contents/deploy/prod.ref"
  -f branch="$branch"
  -f message="Promote $short to prod"
  -f content="$(printf '%s\n' "$SHA" | base64 -w0)")
if gh api "repos/$repo/contents/deploy/prod.ref?ref=$branch" >/dev/null 2>&1; then
  args+=(-f sha="$(gh api "repos/$repo/contents/deploy/prod.ref?ref=$branch" --jq .sha)")
fi
gh api "${args[@]}" >/dev/null

# 3. The pull request body: what is being promoted, and since when.
body="$(mktemp)"
{
  echo "Promotes \`$SHA\` to **prod**: the commit live in dev (tag \`live/dev\`)."
  echo
  if [[ -n "${CURRENT:-}" ]]; then
    echo "Prod is pinned to \`$CURRENT\` now. Changes: $server/$repo/compare/$CURRENT...$SHA"
    echo
    echo '```'
    git log --oneline --no-decorate "$CURRENT..$SHA" -- | head -n 100 || true
    echo '```'
  else
    echo "This is the first promotion: \`deploy/prod.ref\` does not exist on main yet."
  fi
  echo
  echo "Merging runs **Deploy prod** (\`.github/workflows/deploy-prod.yml\`): the tests and"
  echo "property tests at \`$short\`, then \`pulumi up\` on stack \`prod\` after a reviewer of"
  echo "the \`prod\` environment approves. It refuses if \`$short\` is no longer the commit"
  echo "live in dev: then run **Promote** again, which updates this pull request."
  echo
  echo "Opened by $server/$repo/actions/runs/${GITHUB_RUN_ID:-?}"
} >"$body"

pr="$(gh pr list --repo "$repo" --head "$branch" --base main --state open \
  --json number --jq '.[0].number // empty')"
if [[ -z "$pr" ]]; then
  url="$(gh pr create --repo "$repo" --base main --head "$branch" \
    --title "Promote $short to prod" --body-file "$body")"
  pr="${url##*/}"
else
  gh pr edit "$pr" --repo "$repo" --title "Promote $short to prod" --body-file "$body" >/dev/null
fi
echo "promotion pull request: $server/$repo/pull/$pr"

# 4. A pull request opened or updated with GITHUB_TOKEN starts no `pull_request` run, so start
#    the checks explicitly: workflow_dispatch is the event GITHUB_TOKEN may trigger. The run
#    reports its checks on the branch head, i.e. on this pull request.
gh workflow run pull-request.yml --repo "$repo" --ref "$branch" -f pr-number="$pr"

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "pr=$pr" >>"$GITHUB_OUTPUT"
fi
