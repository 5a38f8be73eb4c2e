#!/usr/bin/env bash
# The test command: every suite in turn, then one closing line with the totals.
# Suites: unit (mocks) and scripts (generated shell run for real), then the suites that need
# the engine and local nodes, when this machine can run them (see README, "Testing").
set -u
cd "$(dirname "$0")/.."

suites=("test:unit")
declared=$(node -e 'console.log(Object.keys(require("./package.json").scripts).join(" "))')
for suite in test:e2e test:matrix test:reliability; do
  case " $declared " in *" $suite "*) suites+=("$suite") ;; esac
done

passed=0 failed=0 broken=()
for suite in "${suites[@]}"; do
  echo "== npm run $suite"
  log=$(mktemp)
  npm run -s "$suite" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    broken+=("$suite (exit $status, no totals)")
    failed=$((failed + 1))
    continue
  fi
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    broken+=("$suite (exit $status)")
    failed=$((failed + 1))
  fi
done

for b in "${broken[@]+"${broken[@]}"}"; do echo "suite did not finish cleanly: $b"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
