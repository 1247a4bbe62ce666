#!/usr/bin/env bash
# The README's etcd 2 -> 3 runbook, run as written against a 3-member
# cluster loaded with a Calico datastore. Only the endpoints line is the
# test's own; stop_etcd, start_etcd and DATA_DIRS are what the README says
# they stand for.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}" "${SRCDIR:?set SRCDIR}"
export PATH=$(dirname "$DSCK"):$PATH

runbook=$H_TMP/runbook.sh
awk '/<!-- runbook: etcd2to3 -->/ { on = 1; next } on && /^```sh/ { code = 1; next }
     code && /^```/ { exit } code { print }' "$SRCDIR/README.md" >"$runbook"
[[ $(grep -c '^dsck ' "$runbook") -ge 6 ]] || h_fail "runbook block not found in README.md"

h_cluster_start c 3 --v2
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint c-1)" --hosts 4 --workloads-per-host 4 --seed 12
h_assert_rc 0 "load the fixture"
stop_etcd() { for m in c-3 c-2 c-1; do h_etcd_stop "$m"; done; }
start_etcd() {
	for m in c-1 c-2 c-3; do h_etcd_restart "$m" --v2 --no-wait; done
	for m in c-1 c-2 c-3; do h_etcd_wait "$m"; done
}
export DATA_DIRS="$(h_datadir c-1) $(h_datadir c-2) $(h_datadir c-3)"
export DSCK_ENDPOINTS=$(h_endpoints c)

cd "$H_TMP"
n=0
while IFS= read -r line; do
	[[ -z $line || $line == export\ DSCK_ENDPOINTS=* ]] && continue
	h_log "runbook: $line"
	if [[ $line == stop_etcd* || $line == start_etcd* ]]; then
		eval "$line"
	else
		h_run bash -c "$line"
		h_assert_rc 0 "runbook step: $line"
	fi
	n=$((n + 1))
done <"$runbook"
h_assert_contains "$(<"$H_TMP/.run.out")" "GO" "the last preflight says GO"
h_pass "README runbook: $n steps ran as written"
h_done
