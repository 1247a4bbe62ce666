#!/usr/bin/env bash
# Faults: servers that misbehave (garbage, truncated or mistyped JSON, no
# answer, endless bodies, broken chunked bodies, endless headers), a member killed during a snapshot of a 3-member
# cluster, compaction during a save, SIGTERM during save and restore. Each
# asserts the exit code, the message, and that nothing was half-written.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}" "${MISBEHAVE:?set MISBEHAVE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS

bad_server() { # MODE: start it on a free port, set BAD to its URL
	h_free_port
	"$MISBEHAVE" "$1" "$H_PORT" --seconds 60 &
	local pid=$!
	h_defer kill "$pid"
	BAD=http://127.0.0.1:$H_PORT
	for _ in $(seq 50); do [[ -n $(ss -Htln "sport = :$H_PORT") ]] && break; sleep 0.05; done
}
expect() { # RC MESSAGE DSCK-ARGS...
	local rc=$1 msg=$2
	shift 2
	h_run "$DSCK" "$@" --endpoints "$BAD" --command-timeout 2s
	h_assert_rc "$rc" "$* against a broken server"
	h_assert_contains "$H_ERR" "$msg" "message for $*"
}

snap=$H_TMP/out.snap
for mode in bad-json wrong-type html garbage huge bad-chunked big-headers; do
	bad_server $mode
	case $mode in
	bad-chunked) expect 5 "malformed HTTP response" snapshot save "$snap" --api v2 ;;
	big-headers) expect 5 "malformed HTTP response" snapshot save "$snap" --api v2 ;;
	bad-json) expect 5 "malformed v2 response" snapshot save "$snap" --api v2 ;;
	wrong-type) expect 5 "expected a string" snapshot save "$snap" --api v2 ;;
	html) expect 5 "unexpected HTTP 502" snapshot save "$snap" --api v2 ;;
	garbage) expect 5 "not valid HTTP" snapshot save "$snap" --api v2 ;;
	huge) expect 5 "exceeds the 1000000-byte cap" snapshot save "$snap" --api v2 --max-response-bytes 1000000 ;;
	esac
	[[ ! -e $snap && ! -e $snap.tmp ]] || h_fail "$mode left a snapshot file behind"
	h_pass "v2 from a server answering $mode: exit 5, no file"
done
bad_server hang
expect 3 "timed out" ls --api v2
# gRPC never gets its HTTP/2 handshake: no connection within --dial-timeout.
expect 3 "dial timeout" ls --api v3
h_pass "a server that never answers: exit 3 after the command (v2) or dial (v3) timeout"
bad_server close
expect 3 "cannot reach" ls --api v3
# Depending on timing the hang-up is an empty reply (a TLS-only etcd does that:
# exit 4 with a TLS hint) or a reset connection (exit 3); both name it.
h_run "$DSCK" ls --api v2 --endpoints "$BAD" --command-timeout 2s
[[ $H_RC -eq 3 || $H_RC -eq 4 ]] || h_fail "hang-up over v2: exit $H_RC, expected 3 or 4"
h_assert_contains "$H_ERR" "no HTTP answer" "hang-up message"
h_pass "a server that hangs up: exit 3 (v3), exit 3 or 4 with a hint (v2)"
bad_server garbage
h_run "$DSCK" snapshot save "$snap" --api v3 --endpoints "$BAD" --command-timeout 2s
h_assert_fails "v3 from a garbage server fails"
[[ $H_RC -eq 3 || $H_RC -eq 5 ]] || h_fail "garbage over gRPC: exit $H_RC, expected 3 or 5"
[[ ! -e $snap && ! -e $snap.tmp ]] || h_fail "garbage left a snapshot file behind"
h_pass "v3 from a garbage server: clean failure, no file"

# A member killed during a v3 snapshot of a 3-member cluster.
h_cluster_start c 3 --v2
CEPS=$(h_endpoints c)
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint c-2)" --hosts 10 --workloads-per-host 10 --seed 3
h_run "$DSCK" migrate v2-to-v3 --endpoints "$CEPS" -q
h_assert_rc 0 "fill v3"
want=$(h_etcdctl c get /calico/ --prefix --keys-only | grep -c .)
"$DSCK" snapshot save "$snap" --api v3 --endpoints "$CEPS" --page-size 2 -q -o json >"$H_TMP/kill.out" 2>"$H_TMP/kill.err" &
pid=$!
for _ in $(seq 100); do [[ -e $snap.tmp ]] && break; sleep 0.02; done
h_etcd_stop c-1 --kill
rc=0; wait "$pid" || rc=$?
if ((rc == 0)); then
	h_run "$DSCK" snapshot verify "$snap" -o json
	h_assert_rc 0 "the snapshot completed from another member and verifies"
	h_assert_eq "$want" "$(jq .counts.records <<<"$H_OUT")" "every key is in it"
	h_run "$DSCK" diff "$snap" v3 --endpoints "$CEPS"
	h_assert_rc 0 "and equals the store (same pinned revision)"
	h_pass "member killed mid-snapshot: completed from another member"
else
	[[ ! -e $snap && ! -e $snap.tmp ]] || h_fail "a failed snapshot left a file behind"
	h_pass "member killed mid-snapshot: failed cleanly (exit $rc), no file"
fi
rm -f "$snap"

# Compaction during a save: exit 5, no file.
h_etcd_start one --v2
EP=$(h_endpoint one)
for i in $(seq -w 1 200); do h_etcdctl one put "/calico/k$i" "v$i" >/dev/null; done
"$DSCK" snapshot save "$snap" --api v3 --endpoints "$EP" --page-size 1 -q 2>"$H_TMP/compact.err" &
pid=$!
for _ in $(seq 100); do [[ -e $snap.tmp ]] && break; sleep 0.02; done
kill -STOP "$pid"
rev=$(h_etcdctl one put /calico/late x -w json | jq .header.revision)
h_etcdctl one compact "$rev" >/dev/null
kill -CONT "$pid"
rc=0; wait "$pid" || rc=$?
h_assert_eq 5 "$rc" "compaction during a save: exit 5"
h_assert_contains "$(<"$H_TMP/compact.err")" "compacted" "message says compacted"
[[ ! -e $snap && ! -e $snap.tmp ]] || h_fail "compaction left a file behind"
h_pass "compaction during a save"

# SIGTERM during a save, and during a restore (then re-run: converges).
"$DSCK" snapshot save "$snap" --api v3 --endpoints "$EP" --page-size 1 -q 2>/dev/null &
pid=$!
for _ in $(seq 100); do [[ -e $snap.tmp ]] && break; sleep 0.02; done
kill -STOP "$pid"; kill -TERM "$pid"; kill -CONT "$pid"
rc=0; wait "$pid" || rc=$?
h_assert_eq 143 "$rc" "SIGTERM ends the save"
[[ ! -e $snap && ! -e $snap.tmp ]] || h_fail "SIGTERM left a file behind"
h_run "$DSCK" snapshot save "$snap" --api v2 --endpoints "$(h_endpoint c-2)"
h_assert_rc 0 "a v2 snapshot to restore"
h_etcd_start target --v2
"$DSCK" snapshot restore "$snap" --endpoints "$(h_endpoint target)" -q >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
h_run "$DSCK" snapshot restore "$snap" --endpoints "$(h_endpoint target)"
h_assert_rc 0 "restore re-run after SIGTERM"
h_run "$DSCK" diff "$snap" v2 --endpoints "$(h_endpoint target)"
h_assert_rc 0 "the re-run converges to the snapshot"
h_pass "SIGTERM during save and restore"
h_done
