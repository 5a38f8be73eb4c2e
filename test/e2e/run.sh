#!/usr/bin/env bash
# The end-to-end suite (npm run test:e2e), as root: builds what is missing (Pulumi CLI, the
# command provider stand-in, the K3s doubles), then runs every test/e2e/*.test.ts through
# mocha. Its last line is "N passed, N failed".
set -eu
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/pulumi-tools.sh
source scripts/pulumi-tools.sh >&2
sh test/doubles/k3s/build.sh
exec bash scripts/mocha.sh --timeout 300000 'test/e2e/**/*.test.ts'
