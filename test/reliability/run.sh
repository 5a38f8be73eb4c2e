#!/usr/bin/env bash
# The reliability suite (npm run test:reliability), as root: bad input through the real engine,
# shell safety of the generated scripts, faults on live nodes, secrets, destroy of a lost node
# and token changes. Builds what is missing first (Pulumi CLI, the command provider stand-in,
# the K3s doubles), as the end-to-end suite does. Its last lines are
# "bad inputs: N rejected, faults: N survived, leaks: N", then "N passed, N failed".
set -eu
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/pulumi-tools.sh
source scripts/pulumi-tools.sh >&2
sh test/doubles/k3s/build.sh
exec bash scripts/mocha.sh --timeout 180000 --require ts-node/register/transpile-only \
  --require test/reliability/support/summary.ts \
  'test/reliability/**/*.test.ts' "$@"
