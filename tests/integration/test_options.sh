#!/usr/bin/env bash
# Numeric options go through one parser (base/num.c, docs/conventions.md):
# empty values, signs, spaces, trailing text, overflow and values out of
# range are usage errors (exit 2) naming the option, the value and the
# range, and nothing is written; the edges of each range are accepted.
# Against a real etcd, so that accepted values do real work.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_API DSCK_MAX_RESPONSE_BYTES

h_etcd_start one --v2
EP=$(h_endpoint one)
h_run "$DSCK_FIXTURE" --endpoint "$EP"
h_assert_rc 0 "load the Calico fixture into v2"

# refused OPTION VALUE REASON RANGE -- COMMAND...: exit 2 with the message, also in JSON.
refused() {
	local opt=$1 val=$2 why=$3 range=$4
	shift 5
	h_run "$DSCK" "$@" --endpoints "$EP" "$opt" "$val"
	h_assert_rc 2 "$* $opt '$val': usage error"
	h_assert_contains "$H_ERR" "invalid $opt '$val': $why (expected $range)" \
		"$* $opt '$val': names option, value, reason and range"
	h_run "$DSCK" "$@" --endpoints "$EP" "$opt" "$val" -o json
	h_assert_rc 2 "$* $opt '$val' -o json: usage error"
	h_assert_eq "usage 2" "$(jq -r '"\(.error.code) \(.error.exit)"' <<<"$H_OUT")" \
		"$* $opt '$val': the JSON error document says usage, exit 2"
}

P="1..1000000"
for cmd in "ls /calico --api v3" "snapshot save $H_TMP/never.snap --api v2" "verify-migrate"; do
	# shellcheck disable=SC2086 # the command's words
	{
		refused --page-size "" "empty" "$P" -- $cmd
		refused --page-size abc "not a whole number" "$P" -- $cmd
		refused --page-size 12x "not a whole number" "$P" -- $cmd
		refused --page-size " 5" "not a whole number" "$P" -- $cmd
		refused --page-size +5 "not a whole number" "$P" -- $cmd
		refused --page-size -1 "negative" "$P" -- $cmd
		refused --page-size 0 "too small" "$P" -- $cmd
		refused --page-size 1000001 "too large" "$P" -- $cmd
		refused --page-size 18446744073709551616 "too large for a 64-bit number" "$P" -- $cmd
	}
done
[[ ! -e $H_TMP/never.snap ]] || h_fail "a refused snapshot save wrote its file"
h_pass "--page-size: every malformed value refused by ls, snapshot save and verify-migrate"

# --max-txn-ops used to be cast to int before the check: 2^32+1 became 1.
T="1..100000"
refused --max-txn-ops 4294967297 "too large" "$T" -- migrate v2-to-v3
refused --max-txn-ops 0 "too small" "$T" -- migrate v2-to-v3
refused --max-txn-ops -128 "negative" "$T" -- migrate v2-to-v3
refused --max-txn-ops 12.5 "not a whole number" "$T" -- migrate v2-to-v3
R="1024..2147483647"
refused --max-request-bytes -1 "negative" "$R" -- migrate v2-to-v3
refused --max-request-bytes 1023 "too small" "$R" -- migrate v2-to-v3
refused --max-request-bytes 2147483648 "too large" "$R" -- migrate v2-to-v3
refused --max-request-bytes 1k "not a whole number" "$R" -- migrate v2-to-v3
h_assert_eq "0" "$(h_etcdctl one get /calico --prefix --keys-only -w json | jq '.count // 0')" \
	"refused migrations wrote nothing to v3"
M="4096 or more"
refused --max-response-bytes 4095 "too small" "$M" -- ls /calico --api v2
refused --max-response-bytes "" "empty" "$M" -- ls /calico --api v2
refused --max-response-bytes 99999999999999999999 "too large for a 64-bit number" "$M" -- status
h_run env DSCK_MAX_RESPONSE_BYTES=-5 "$DSCK" ls /calico --api v2 --endpoints "$EP"
h_assert_rc 2 "the environment's max-response-bytes goes through the same parser"
h_assert_contains "$H_ERR" "invalid --max-response-bytes '-5': negative (expected 4096 or more), from DSCK_MAX_RESPONSE_BYTES" \
	"the message names the variable the value came from"

# The edges are accepted and work.
n=$("$DSCK" ls /calico --api v2 --endpoints "$EP" -o json | jq '.records | length')
((n > 20)) || h_fail "the fixture has only $n keys"
h_run "$DSCK" migrate v2-to-v3 --endpoints "$EP" --max-txn-ops 1 --max-request-bytes 2147483647 -q
h_assert_rc 0 "migrate with --max-txn-ops 1 (the lower edge)"
h_run "$DSCK" ls /calico --api v3 --endpoints "$EP" --page-size 1 --max-response-bytes 4096 -o json
h_assert_rc 0 "ls --page-size 1 --max-response-bytes 4096 (lower edges)"
m=$(jq '.records | length' <<<"$H_OUT")
h_run "$DSCK" ls /calico --api v3 --endpoints "$EP" --page-size 1000000 -o json
h_assert_rc 0 "ls --page-size 1000000 (the upper edge)"
h_assert_eq "$m" "$(jq '.records | length' <<<"$H_OUT")" "pages of 1 and of 1000000 list the same keys"
((m > 0)) || h_fail "nothing migrated"
h_pass "the edges of each range are accepted"

# DSCK_RESTORE_IN_FLIGHT (a benchmark knob, docs/benchmarks.md): the same
# parser and range, and both edges write the same store.
for v in 0 65 abc ""; do
	h_run env DSCK_RESTORE_IN_FLIGHT="$v" "$DSCK" migrate v2-to-v3 --endpoints "$EP" --dry-run
	h_assert_rc 2 "DSCK_RESTORE_IN_FLIGHT='$v': usage error"
	h_assert_contains "$H_ERR" "invalid DSCK_RESTORE_IN_FLIGHT '$v'" "the message names the variable and value"
done
for v in 1 64; do
	h_etcd_start "fl$v" --v2
	h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint "fl$v")"
	h_assert_rc 0 "load the fixture for $v batch(es) in flight"
	h_run env DSCK_RESTORE_IN_FLIGHT=$v "$DSCK" migrate v2-to-v3 --endpoints "$(h_endpoint "fl$v")" \
		--max-txn-ops 1 -q
	h_assert_rc 0 "migrate with $v batch(es) of one key in flight"
	h_run "$DSCK" verify-migrate --endpoints "$(h_endpoint "fl$v")" -q
	h_assert_rc 0 "verify-migrate after $v batch(es) in flight: every key copied"
	h_assert_eq "$m" "$(h_etcdctl "fl$v" get /calico --prefix --keys-only -w json | jq '.count')" \
		"$v batch(es) in flight: as many v3 keys as with the default"
	h_etcd_stop "fl$v"
done
h_pass "DSCK_RESTORE_IN_FLIGHT: refused outside 1..64, both edges copy every key"

h_done
