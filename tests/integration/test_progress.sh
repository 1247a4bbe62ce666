#!/usr/bin/env bash
# Progress on standard error (docs/conventions.md), against a real etcd:
# snapshot save of v2 (bytes while the one v2 body arrives), diff, check
# pre-migrate, verify-migrate, snapshot restore --dry-run, migrate and a
# restore that writes (bytes written, ETA from the plan's total). Each run's
# stderr is checked by tests/tools/progress_check.py: lines redrawn in place,
# each covering the one before, a final line ending with a newline, and the
# counts of the final line are compared with what the commands report.
# Without --progress (stderr not a terminal), with -q, and into JSON stdout
# nothing is shown; on a terminal (script(1)) it is, with -q it is not.
# DSCK_TEST_PROGRESS_MS=0 draws every update, so a small store is enough.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}" "${SRCDIR:?set SRCDIR}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS ETCDCTL_API
CHECK=$SRCDIR/tests/tools/progress_check.py
for tool in jq python3 script; do command -v "$tool" >/dev/null || h_fail "$tool is needed"; done

h_etcd_start one --v2
h_etcd_start two --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP DSCK_TEST_PROGRESS_MS=0
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 10 --workloads-per-host 100 --no-felix-status
h_assert_rc 0 "load 2000+ Calico keys into v2"
S=$H_TMP/v2.snap E=$H_TMP/err

# progress WHAT N [MB]: the progress lines of the last run's stderr. Reads
# count records (v2 directories too), the writes of restore and migrate keys.
progress() {
	local got unit=records
	got=$(python3 "$CHECK" "$E" "$1" 2>&1) || h_fail "$got"
	h_assert_eq "$2" "${got% *}" "$1: the final line counts $2"
	[[ $1 == migrate || $1 == restore ]] && unit=keys
	grep -qE "$1: [0-9]+( of [0-9]+)? $unit" "$E" || h_fail "$1: progress counts $unit"
	if [[ -n ${3:-} ]]; then
		awk -v mb="${got#* }" 'BEGIN { exit !(mb > 0) }' || h_fail "$1: no bytes in '$got'"
	fi
}

# --- the v2 fetch: bytes while the body arrives, then the records ---
"$DSCK" snapshot save "$S" --api v2 --progress >/dev/null 2>"$E" || h_fail "snapshot save failed"
RECORDS=$("$DSCK" snapshot verify "$S" -o json | jq .counts.records)
LEAVES=$("$DSCK" snapshot verify "$S" -o json | jq .counts.keys)
((RECORDS > 2000 && LEAVES > 2000)) || h_fail "only $RECORDS records, $LEAVES keys"
progress snapshot "$RECORDS" bytes
grep -q $'\rsnapshot: 0 records, [0-9.]* MB received' "$E" ||
	h_fail "no progress line while the v2 body arrives (bytes before keys)"
h_pass "snapshot save --api v2: bytes received while the body arrives, then keys"

# --- diff: both sides' records ---
h_run "$DSCK" diff "$S" v2 --progress
h_assert_rc 0 "diff snapshot v2"
printf '%s' "$H_ERR" >"$E"
progress diff $((2 * RECORDS)) bytes
h_assert_contains "$H_OUT" "0 changed, $LEAVES same" "diff's result is unchanged"
h_pass "diff: progress over both sources"

# --- check pre-migrate: the v2 listing ---
h_run "$DSCK" check pre-migrate --progress
printf '%s' "$H_ERR" >"$E"
progress pre-migrate "$RECORDS" bytes
h_pass "check pre-migrate: progress of the v2 read"

# --- restore --dry-run: the plan reads the file and the target ---
h_run "$DSCK" snapshot restore "$S" --dry-run --progress
h_assert_rc 0 "restore --dry-run"
printf '%s' "$H_ERR" >"$E"
progress "restore plan" $((2 * RECORDS)) bytes
h_assert_contains "$H_OUT" "nothing to do" "a plan with nothing to do says so"

# --- migrate: the plan, then writes with bytes and an ETA ---
h_run "$DSCK" migrate v2-to-v3 --progress
h_assert_rc 0 "migrate v2-to-v3"
printf '%s' "$H_ERR" >"$E"
progress "migrate plan" "$RECORDS"
progress migrate "$LEAVES" bytes
h_assert_contains "$H_OUT" "restored into v3: $LEAVES keys written" "migrate wrote every leaf"
grep -qE $'\rmigrate: [0-9]+ of '"$LEAVES"' keys, [0-9.]+ of [0-9.]+ MB written, [0-9]+ keys/s, ETA [0-9]+ s' "$E" ||
	h_fail "no migrate line with the plan's total, bytes written and an ETA"
h_pass "migrate: plan and writes, with bytes written and an ETA from the plan"

# --- verify-migrate: v2 and v3 of the member ---
h_run "$DSCK" verify-migrate --progress
h_assert_rc 0 "verify-migrate"
printf '%s' "$H_ERR" >"$E"
progress verify-migrate $((RECORDS + LEAVES)) bytes
h_pass "verify-migrate: progress over v2 and v3"

# --- migrate again: nothing to do, and it says so ---
h_run "$DSCK" migrate v2-to-v3 -q
h_assert_rc 0 "migrate with nothing to do"
h_assert_contains "$H_OUT" "nothing to do: v3 already holds every key" "migrate with nothing to do says so"
h_run "$DSCK" migrate v2-to-v3 -q -o json
h_assert_eq "0 0 0" "$(jq -r '[.summary.create, .summary.update, .written] | join(" ")' <<<"$H_OUT")" \
	"its JSON counts no writes"

# --- a restore that writes into an empty v2 ---
h_run "$DSCK" snapshot restore "$S" --endpoints "$(h_endpoint two)" --progress
h_assert_rc 0 "restore into an empty v2"
printf '%s' "$H_ERR" >"$E"
written=$(sed -n 's/^restored into v2: \([0-9]*\) keys written.*/\1/p' <<<"$H_OUT")
((written > 2000)) || h_fail "restore wrote $written keys"
progress restore "$written" bytes
h_pass "snapshot restore: progress of the writes, as counted in its report"

# --- when nothing is shown ---
h_run "$DSCK" diff "$S" v2
h_assert_eq "" "$H_ERR" "no --progress and stderr not a terminal: nothing on stderr"
h_run "$DSCK" diff "$S" v2 --progress -q
h_assert_eq "" "$H_ERR" "--progress -q: nothing on stderr"
h_run "$DSCK" diff "$S" v2 --progress -o json
h_assert_rc 0 "diff -o json --progress"
h_assert_eq "true" "$(jq -s 'length == 1 and .[0].ok' <<<"$H_OUT")" "stdout is exactly one JSON document"
h_assert_not_contains "$H_OUT" "diff: " "no progress on stdout"
printf '%s' "$H_ERR" >"$E"
progress diff $((2 * RECORDS)) bytes
h_pass "no progress without --progress off a terminal, with -q, or on JSON stdout"

# --- on a terminal: shown by default, erased in place, never with -q ---
tty_run() { script -qec "$1" /dev/null </dev/null >"$E" 2>&1 || true; }
tty_run "\"$DSCK\" diff '$S' v2 >/dev/null"
grep -q $'\r\e\[Kdiff: ' "$E" || h_fail "no progress on a terminal by default"
progress diff $((2 * RECORDS)) bytes
tty_run "\"$DSCK\" diff '$S' v2 -q >/dev/null"
[[ ! -s $E ]] || h_fail "-q on a terminal still printed: $(cat -A "$E" | head -c 300)"
tty_run "\"$DSCK\" diff '$S' v2 -o json >/dev/null"
[[ ! -s $E ]] || h_fail "-o json on a terminal printed progress: $(cat -A "$E" | head -c 300)"
h_pass "on a terminal: progress by default, each line erased before the next; none with -q or -o json"

h_done
