#!/usr/bin/env bash
# Runs mocha on the given spec globs; its last line is "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
exec npx mocha "$@"
