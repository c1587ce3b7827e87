"""The quality gate on a real public data set, on its own LocalCloud.

Outside tests/e2e: only one LocalCloud can be installed at a time, and tests/e2e shares one
for the whole package."""
