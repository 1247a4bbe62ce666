#!/usr/bin/env bash
# Tables fit the terminal (docs/conventions.md, "Tables"): under a
# pseudo-terminal of 80 columns no line is wider than 80 columns, long values
# and messages end with an ellipsis, keys and finding codes stay whole, and
# repeated findings are one line per code with "and N more"; JSON keeps every
# finding, and the same commands into a pipe print whole values.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}"
PTY=$H_LIB_DIR/ptyrun.py
export LANG=C.UTF-8
unset LC_ALL LC_CTYPE COLUMNS
unset NO_COLOR

# Run under a terminal of $1 columns; H_OUT is what the terminal showed.
on_tty() {
	local cols=$1
	shift
	h_run python3 "$PTY" "$cols" "$DSCK" "$@"
}

# The widest line of $1 in terminal columns, colour escapes left out.
widest() {
	python3 -c '
import re, sys, unicodedata
w = 0
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    cols = sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    w = max(w, cols)
print(w)' <<<"$1"
}

assert_fits() {
	local w
	w=$(widest "$1")
	((w <= $2)) || h_fail "$3: a line is $w columns wide (more than $2)"
	h_pass "$3: no line wider than $2 columns ($w)"
}

h_etcd_start one --v2
EP=$(h_endpoint one)
h_etcdctl2 one set /calico/v1/Ready true >/dev/null
# 20 Felix status keys with a TTL: one warning each for pre-migrate.
for i in $(seq -w 1 20); do
	h_etcdctl2 one set "/calico/felix/v1/host/node-$i/status" '{"time":"2026-11-30T07:00:00Z"}' \
		--ttl 600 >/dev/null
done
# Long values with multibyte text: ü (2 bytes), 中 (3 bytes, 2 columns), 🙂 (4 bytes).
filler=$(printf 'Grüße-中文-🙂-%.0s' $(seq 1 12))
LONG='{"spec":{"order":100,"selector":"all()","note":"'$filler'","end":"TAIL-MARK"}}'
h_etcdctl2 one set /calico/v1/policy/tier/default/policy/long-1 "$LONG" >/dev/null

# --- findings: one line per code ------------------------------------------
# Colour escapes take no columns.
on_tty 80 check pre-migrate --endpoints "$EP"
h_assert_rc 0 "pre-migrate on a terminal"
h_assert_contains "$H_OUT" $'\e[33mWARN' "in colour"
assert_fits "$H_OUT" 80 "pre-migrate findings in colour"
export NO_COLOR=1
on_tty 80 check pre-migrate --endpoints "$EP"
TTY_OUT=$H_OUT
assert_fits "$TTY_OUT" 80 "pre-migrate findings"
h_assert_eq 1 "$(grep -c 'ttl-will-persist' <<<"$TTY_OUT")" "20 ttl-will-persist findings are one line"
line=$(grep 'ttl-will-persist' <<<"$TTY_OUT")
h_assert_contains "$line" "WARN  ttl-will-persist  /calico/felix/v1/host/node-01/status and 19 more" \
	"the line names the first key whole and counts the rest"
for code in v2-data-not-in-etcd-snapshot backup-reminder; do
	h_assert_eq 1 "$(grep -c -- "$code" <<<"$TTY_OUT")" "$code: one line, its code whole"
done
h_assert_contains "$TTY_OUT" "…" "a message that did not fit ends with an ellipsis"
h_assert_contains "$TTY_OUT" "0 errors, 21 warnings, 1 info" "the sum line counts every finding"

h_run "$DSCK" check pre-migrate --endpoints "$EP" -o json
h_assert_eq 20 "$(jq '[.findings[] | select(.code == "ttl-will-persist")] | length' <<<"$H_OUT")" \
	"JSON lists every finding"
h_assert_eq 20 "$(jq '[.findings[] | select(.code == "ttl-will-persist") | .key] | unique | length' \
	<<<"$H_OUT")" "each with its own key"

h_run "$DSCK" check pre-migrate --endpoints "$EP"
PIPE_OUT=$H_OUT
h_assert_eq 1 "$(grep -c 'ttl-will-persist' <<<"$PIPE_OUT")" "a pipe gets one line per code too"
h_assert_contains "$PIPE_OUT" "/calico/felix/v1/host/node-01/status [$EP], /calico/felix/v1/host/node-02/status [$EP], /calico/felix/v1/host/node-03/status [$EP] and 17 more: a TTL key" \
	"a pipe names three examples with their member"
h_assert_contains "$PIPE_OUT" "use --no-ttl to leave it out (dsck explain ttl-will-persist)" \
	"and the whole message with its explain pointer"
h_assert_not_contains "$PIPE_OUT" "…" "nothing is shortened in a pipe"

# preflight lists the findings of each check the same way.
on_tty 80 preflight --endpoints "$EP"
# The verdict's next step holds commands to copy: it is never cut.
assert_fits "$(grep -v '^GO: next' <<<"$H_OUT")" 80 "preflight table"
h_assert_eq 1 "$(grep -c 'ttl-will-persist' <<<"$H_OUT")" "preflight: one line per code"

# --- ls: the value gets what the key leaves ------------------------------
h_etcdctl one put /calico/ipam/v2/handle/long-1 "$LONG" >/dev/null
for api in v2 v3; do
	on_tty 80 ls --api "$api" --endpoints "$EP"
	h_assert_rc 0 "ls --api $api on a terminal"
	assert_fits "$H_OUT" 80 "ls --api $api"
	line=$(grep 'long-1 = ' <<<"$H_OUT")
	[[ $line == *…* ]] || h_fail "ls --api $api: the long value ends with an ellipsis: $line"
	[[ $line != *TAIL-MARK* ]] || h_fail "ls --api $api: the long value was shown whole on 80 columns"
	h_pass "ls --api $api: the long value is shortened with an ellipsis"
	# The cut never splits a character: the terminal text is valid UTF-8.
	python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <<<"$H_OUT" ||
		h_fail "ls --api $api: the shortened line is not valid UTF-8"
	h_pass "ls --api $api: no character is cut in half"
	h_run "$DSCK" ls --api "$api" --endpoints "$EP"
	h_assert_contains "$H_OUT" "long-1 = $LONG" "ls --api $api into a pipe prints the whole value"
done
# A key is never shortened: one wider than the line makes the line longer.
key=/calico/resources/v3/projectcalico.org/globalnetworkpolicies/default.long-1
h_etcdctl one put "$key" "$LONG" >/dev/null
on_tty 80 ls --api v3 --endpoints "$EP"
line=$(grep -F -- "$key = " <<<"$H_OUT") || h_fail "a key is never shortened"
[[ $line == *…* ]] || h_fail "past a long key the value still shows, shortened: $line"
h_pass "a key is never shortened; the value after it is"
assert_fits "$(grep -v -- "$key" <<<"$H_OUT")" 80 "the other lines"

# COLUMNS overrides the terminal's width.
COLUMNS=72 on_tty 80 check pre-migrate --endpoints "$EP"
assert_fits "$H_OUT" 72 "COLUMNS=72"
h_assert_contains "$H_OUT" "ttl-will-persist" "codes stay whole at 72 columns"

# Without a UTF-8 locale the ellipsis is three dots.
LC_ALL=C on_tty 80 ls --api v2 --endpoints "$EP"
line=$(grep 'long-1 = ' <<<"$H_OUT")
[[ $line == *...* && $line != *…* ]] || h_fail "LC_ALL=C: three dots: $line"
h_pass "LC_ALL=C: the ellipsis is '...'"

# get never shortens, not even on a terminal.
on_tty 80 get /calico/v1/policy/tier/default/policy/long-1 --api v2 --endpoints "$EP"
h_assert_contains "$H_OUT" "TAIL-MARK" "get prints the whole value on a terminal"

# --- diff --values: the part where two values differ ----------------------
h_run "$DSCK" snapshot save "$H_TMP/before.snap" --api v2 --endpoints "$EP"
h_assert_rc 0 "snapshot save"
h_etcdctl2 one set /calico/v1/policy/tier/default/policy/long-1 "${LONG/TAIL-MARK/NEW-MARK}" >/dev/null
on_tty 80 diff "$H_TMP/before.snap" v2 --values --endpoints "$EP"
h_assert_rc 1 "diff finds the change"
# The summary sentence names both sides (a file path) and is not cut.
assert_fits "$(grep -v ' same (a: ' <<<"$H_OUT")" 80 "diff --values"
h_assert_contains "$H_OUT" "TAIL-MARK" "diff shows the old value where it differs"
h_assert_contains "$H_OUT" "NEW-MARK" "and the new one"
h_run "$DSCK" diff "$H_TMP/before.snap" v2 --values --endpoints "$EP"
h_assert_contains "$H_OUT" "    a: $LONG" "diff into a pipe prints whole values"

# --- other tables -----------------------------------------------------------
on_tty 80 status --endpoints "$EP"
assert_fits "$H_OUT" 80 "status"
h_run "$DSCK" status --endpoints "$EP" -o json
member=$(jq -r '.endpoints[0].member_id' <<<"$H_OUT")
[[ -n $member && $member != null ]] || h_fail "status JSON has a member id"
on_tty 80 status --endpoints "$EP"
h_assert_contains "$H_OUT" "$member" "status keeps the member id whole"

on_tty 80 config --endpoints "$EP"
assert_fits "$H_OUT" 80 "config"
on_tty 80 check v2-content --endpoints "$EP"
assert_fits "$H_OUT" 80 "check v2-content"

# explain wraps its paragraphs at spaces on a terminal; the words stay the same.
on_tty 80 explain ttl-will-persist
h_assert_rc 0 "explain on a terminal"
assert_fits "$H_OUT" 80 "explain"
tty_words=$(tr -s ' \n' '  ' <<<"$H_OUT")
h_run "$DSCK" explain ttl-will-persist
h_assert_eq "$(tr -s ' \n' '  ' <<<"$H_OUT")" "$tty_words" "explain: the same words as into a pipe"

h_done
