#!/usr/bin/env bash
# The quarterly audit that both CI examples run (docs/unattended.md), in one place.
#
#   quarterly-audit.sh MANAGEMENT_GROUP FAIL_ON [EVIDENCE_DIR] [OUT_DIR]
#
# 1. Keeps last quarter's snapshot (EVIDENCE_DIR/snapshot.json.gz, committed by the previous run)
#    as the baseline, then collects this quarter's, read-only, into the same path.
# 2. Audits it against that baseline with EVIDENCE_DIR/auditor.toml when present, writing every
#    report into OUT_DIR; SARIF results point at EVIDENCE_DIR/snapshot.json.gz, the file the
#    pipeline commits, so code scanning finds it in the repository.
# 3. Exits with the audit's code: 0 clean, 1 an unwaived finding at or above FAIL_ON, 3 the audit
#    is incomplete (a scope could not be read), 2 bad input. The pipelines publish the reports
#    whatever the code, then fail the run on any code but 0.
#
# AUDITOR_COLLECT_ARGS adds collect options (e.g. --verify-delivery; the tests point collect at
# the emulator with --emulator URL --ca-cert PEM). Sign-in is the CI's Azure CLI login.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 MANAGEMENT_GROUP FAIL_ON [EVIDENCE_DIR] [OUT_DIR]" >&2
  exit 2
fi
group=$1
fail_on=$2
evidence=${3:-audits}
out=${4:-out}
snapshot="$evidence/snapshot.json.gz"
mkdir -p "$evidence" "$out"

baseline=()
if [ -f "$snapshot" ]; then
  cp "$snapshot" "$out/baseline-snapshot.json.gz"
  baseline=(--baseline "$out/baseline-snapshot.json.gz")
fi
config=()
if [ -f "$evidence/auditor.toml" ]; then
  config=(--config "$evidence/auditor.toml")
fi
read -r -a extra <<< "${AUDITOR_COLLECT_ARGS:-}"

rc=0
auditor collect --management-group "$group" --output "$snapshot" "${extra[@]}" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
  exit "$rc"  # no snapshot to audit (3: written, with the unreadable scopes recorded)
fi

rc=0
auditor audit --snapshot "$snapshot" "${config[@]}" "${baseline[@]}" --out "$out" \
  --format pdf,html,json,csv,sarif,md --sarif-artifact-path "$snapshot" --fail-on "$fail_on" --quiet || rc=$?
echo "auditor: audit exit code $rc (0 clean, 1 findings at or above $fail_on, 3 incomplete)"
exit "$rc"
