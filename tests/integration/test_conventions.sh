#!/usr/bin/env bash
# The CLI conventions of docs/conventions.md, against a real etcd: flag order
# (global options before the command, --opt=value, -o=json), help forms,
# Go durations, endpoints without a scheme, ETCDCTL_* variables, the
# overwrite refusal of snapshot save, a closed stdout (exit 141, no message),
# `get` printing whole values and --print-value-only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD \
	ETCDCTL_API ETCDCTL_DIAL_TIMEOUT ETCDCTL_COMMAND_TIMEOUT ETCDCTL_INSECURE_SKIP_TLS_VERIFY

h_etcd_start one --v2
EP=$(h_endpoint one)
HOSTPORT=${EP#http://}
# Enough data that a reader who stops early leaves more than a pipe buffer unread.
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 10 --workloads-per-host 30 --seed 7
h_assert_rc 0 "load the Calico fixture into v2"
h_run "$DSCK" migrate v2-to-v3 --endpoints "$EP" -q
h_assert_rc 0 "copy it into v3"
LONG=$(head -c 100000 /dev/zero | tr '\0' 'v')
h_etcdctl one put /calico/v1/config/Long "$LONG" >/dev/null
[[ $("$DSCK" ls /calico --api v2 --endpoints "$EP" | wc -c) -gt 200000 ]] ||
	h_fail "the fixture is too small for the closed-pipe tests"

# --- flag order and forms ---
h_run "$DSCK" --endpoints "$EP" status -o json
h_assert_rc 0 "global option before the command"
h_assert_contains "$H_OUT" "$EP" "the global --endpoints was used"
h_run "$DSCK" --endpoints="$EP" -o=json ls /calico/v1/Ready --api=v3
h_assert_rc 0 "--opt=value and -o=json before and after the command"
h_assert_eq "/calico/v1/Ready" "$(jq -r '.records[0].key' <<<"$H_OUT")" "-o=json gives JSON"
h_run "$DSCK" -ojson --endpoints "$EP" get /calico/v1/Ready --api v3
h_assert_rc 0 "-ojson as a global option"
h_assert_eq "true" "$(jq -r '.records[0].value' <<<"$H_OUT")" "get after global options"
h_run "$DSCK" --bogus status
h_assert_rc 2 "unknown global option"
h_assert_contains "$H_ERR" "unknown option '--bogus'" "unknown global option named"
h_run "$DSCK" --endpoints "$EP" version --page-size 5
h_assert_rc 2 "a command still refuses options it does not take"
h_pass "global options before the command, --opt=value, -o=json"

# --- help forms ---
h_run "$DSCK" help snapshot save
h_assert_rc 0 "dsck help CMD"
h_assert_contains "$H_OUT" "Usage: dsck snapshot save" "help CMD prints the command's help"
h_run "$DSCK" help ls
h_assert_contains "$H_OUT" "Usage: dsck ls" "help ls"
h_run "$DSCK" check --help
h_assert_rc 0 "dsck check --help"
h_assert_contains "$H_OUT" "dsck check pre-migrate" "check --help lists the checks"
h_run "$DSCK" help check
h_assert_rc 0 "dsck help check"
h_assert_contains "$H_OUT" "dsck check v2-content" "help check lists the checks"
h_run "$DSCK" check bogus
h_assert_rc 2 "dsck check bogus"
h_assert_contains "$H_ERR" "unknown check 'bogus'" "unknown check named"
h_run "$DSCK" check
h_assert_rc 2 "dsck check alone is a usage error"
h_run "$DSCK" --help
h_assert_rc 0 "--help"
h_assert_contains "$H_OUT" "Global options" "top-level help lists global options"
h_assert_contains "$H_OUT" "--endpoints" "top-level help lists connection options"
h_assert_contains "$H_OUT" "--output" "top-level help lists --output"
h_run "$DSCK" help bogus
h_assert_rc 2 "help of an unknown command"
h_run "$DSCK" --version
h_assert_rc 0 "--version"
h_pass "help forms"

# --- durations, endpoints, environment ---
h_run "$DSCK" status --endpoints "$EP" --dial-timeout 5
h_assert_rc 2 "a bare number is refused"
h_assert_contains "$H_ERR" "add a unit" "hint to add a unit"
h_assert_contains "$H_ERR" "'5s'" "the hint shows the fixed value"
h_run env ETCDCTL_DIAL_TIMEOUT=7 "$DSCK" status --endpoints "$EP"
h_assert_rc 2 "a bare number from the environment is refused"
h_assert_contains "$H_ERR" "ETCDCTL_DIAL_TIMEOUT" "the message names the variable"
h_run "$DSCK" status --endpoints "$EP" --dial-timeout 1m30s --command-timeout=1m
h_assert_rc 0 "Go durations 1m30s and 1m"
h_run env ETCDCTL_COMMAND_TIMEOUT=500ms ETCDCTL_DIAL_TIMEOUT=2s "$DSCK" config -o json
h_assert_rc 0 "ETCDCTL_* timeouts"
h_assert_eq "500ms" "$(jq -r '.settings["command_timeout"].value' <<<"$H_OUT")" \
	"ETCDCTL_COMMAND_TIMEOUT honoured"
h_run "$DSCK" ls /calico/v1/Ready --api v3 --endpoints "$HOSTPORT" -o json
h_assert_rc 0 "an endpoint without a scheme"
h_assert_eq "/calico/v1/Ready" "$(jq -r '.records[0].key' <<<"$H_OUT")" "host:port means http://"
h_run env ETCDCTL_API=2 "$DSCK" get /calico/v1/Ready --endpoints "$EP" -o json
h_assert_rc 0 "ETCDCTL_API=2 sets the API"
h_assert_eq "v2" "$(jq -r .api <<<"$H_OUT")" "ETCDCTL_API=2 reads v2"
h_run env ETCDCTL_API=3 "$DSCK" get /calico/v1/Ready --endpoints "$EP" -o json
h_assert_eq "v3" "$(jq -r .api <<<"$H_OUT")" "ETCDCTL_API=3 reads v3"
h_run env ETCDCTL_API=3 "$DSCK" get /calico/v1/Ready --endpoints "$EP" --api v2 -o json
h_assert_eq "v2" "$(jq -r .api <<<"$H_OUT")" "--api wins over ETCDCTL_API"
h_run env ETCDCTL_API=4 "$DSCK" get /calico/v1/Ready --endpoints "$EP"
h_assert_rc 2 "a bad ETCDCTL_API"
# Every variable the source reads is in the man page's text.
man=$(groff -man -Tutf8 "$SRCDIR/docs/dsck.1" 2>/dev/null | col -bx)
vars=$({
	grep -oE '\{ "[A-Z][A-Z0-9_]+"(, "[A-Z][A-Z0-9_]+")* \}' "$SRCDIR/src/lib/net/settings.c"
	cat "$SRCDIR"/src/lib/*/*.c "$SRCDIR"/src/cli/*.c | grep -oE 'getenv\("[A-Z_]+"\)'
} | grep -oE '[A-Z][A-Z0-9_]+' | sort -u)
(($(wc -w <<<"$vars") >= 25)) || h_fail "too few environment variables found: $vars"
for v in $vars; do
	h_assert_contains "$man" "$v" "the man page documents $v"
done
h_pass "durations, endpoints without a scheme, ETCDCTL_* variables, all documented"

# --- get prints whole values ---
h_run "$DSCK" get /calico/v1/config/Long --api v3 --endpoints "$EP"
h_assert_rc 0 "get of a long value"
h_assert_contains "$H_OUT" "$LONG" "get prints the whole value"
h_run "$DSCK" get /calico/v1/config/Long --api v3 --endpoints "$EP" --print-value-only
h_assert_eq "$LONG" "$H_OUT" "--print-value-only prints only the value"
h_assert_eq "$(h_etcdctl one get /calico/v1/config/Long --print-value-only)" "$H_OUT" \
	"--print-value-only as etcdctl"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$EP" --print-value-only
h_assert_eq "$(h_etcdctl2 one get /calico/v1/Ready)" "$H_OUT" "--print-value-only on v2"
h_run "$DSCK" get /calico/v1/Nope --api v3 --endpoints "$EP" --print-value-only
h_assert_rc 1 "--print-value-only of a missing key exits 1"
h_pass "get prints whole values; --print-value-only"

# --- snapshot save refuses to replace ---
cd "$H_TMP"
h_run "$DSCK" snapshot save a.snap --api v3 --endpoints "$EP"
h_assert_rc 0 "first save"
cp a.snap a.orig
h_run "$DSCK" snapshot save a.snap --api v3 --endpoints "$EP"
h_assert_rc 6 "a second save to the same name is refused"
h_assert_contains "$H_ERR" "'a.snap' exists" "the refusal names the file"
cmp -s a.snap a.orig || h_fail "the existing snapshot was changed"
[[ ! -e a.snap.tmp ]] || h_fail "a temp file was left"
h_run "$DSCK" snapshot save a.snap --api v3 --endpoints "$EP" --force
h_assert_rc 0 "--force replaces"
h_assert_contains "$H_ERR" "replaced the existing 'a.snap'" "--force says it replaced"
h_run "$DSCK" snapshot save a.snap --api v3 --endpoints "$EP" --force --prefix /calico/v1/config
h_assert_rc 0 "--force with a smaller snapshot"
h_assert_contains "$H_ERR" "SMALLER" "a smaller replacement is said loudly"
h_run "$DSCK" snapshot save a.snap --api v3 --endpoints "$EP" --force --prefix /nothing -q
h_assert_contains "$H_ERR" "SMALLER" "an empty replacement is said even with -q"
h_pass "snapshot save refuses an existing file unless --force"

# --- a closed stdout is a quiet end with exit 141 ---
closed() {   # closed CMD...: run with stdout read by `head -c 1`, report rc and stderr
	set +o pipefail
	{
		local rc=0
		"$@" 2>"$H_TMP/closed.err" || rc=$?
		echo "$rc" >"$H_TMP/closed.rc"
	} | head -c 1 >/dev/null
	set -o pipefail
	CLOSED_RC=$(cat "$H_TMP/closed.rc")
	CLOSED_ERR=$(cat "$H_TMP/closed.err")
}
for form in "ls /calico --api v3" "ls /calico --api v2" "ls /calico --api v3 -o json"; do
	# shellcheck disable=SC2086
	closed "$DSCK" $form --endpoints "$EP"
	h_assert_eq 141 "$CLOSED_RC" "dsck $form | head: exit 141"
	h_assert_eq "" "$CLOSED_ERR" "dsck $form | head: no message"
done
closed "$DSCK" get /calico/v1/config/Long --api v3 --endpoints "$EP"
h_assert_eq 141 "$CLOSED_RC" "get | head: exit 141"
h_assert_eq "" "$CLOSED_ERR" "get | head: no message"
closed "$DSCK" snapshot save - --api v3 --endpoints "$EP"
h_assert_eq 141 "$CLOSED_RC" "snapshot save - | head: exit 141"
h_assert_eq "" "$CLOSED_ERR" "snapshot save - | head: no message"
"$DSCK" snapshot save big.snap --api v3 --endpoints "$EP" --force -q >/dev/null
closed "$DSCK" diff big.snap a.snap
h_assert_eq 141 "$CLOSED_RC" "diff | head: exit 141"
h_assert_eq "" "$CLOSED_ERR" "diff | head: no message"
h_run "$DSCK" ls /calico --api v3 --endpoints "$EP"
h_assert_rc 0 "ls to a reader that reads everything still exits 0"
h_pass "a closed stdout ends quietly with 141"

# --- snapshots of many blocks: the second thread that hashes and writes them ---
# 6,000 records of ~600 bytes are 14 blocks of 256 KiB: most are written by
# the flusher thread, the last by the main thread after it.
gen=$H_TMP/gen.snap
{
	printf '%s\n' '{"api":"v3","created":"2026-01-01T00:00:00Z","dsck_snapshot":1,"ephemeral":"excluded","prefix":"/calico","source":{"endpoint":"generated","revision":9},"tool":"test"}'
	awk 'BEGIN { v = sprintf("%0550d", 0); for (i = 0; i < 6000; i++)
		printf "{\"create_revision\":2,\"key\":\"/calico/v1/config/k%05d\",\"lease\":0,\"mod_revision\":%d,\"value\":\"%s\\\"%d\",\"version\":1}\n", i, i + 2, v, i }'
} >"$gen.body"
printf '{"end":true,"records":6000,"sha256":"%s"}\n' "$(sha256sum <"$gen.body" | cut -d' ' -f1)" |
	cat "$gen.body" - >"$gen"
h_run "$DSCK" snapshot verify "$gen"
h_assert_rc 0 "the generated snapshot verifies"
h_run "$DSCK" snapshot save copy.snap "$gen" -q
h_assert_rc 0 "snapshot save of a 3 MB snapshot file"
h_assert_eq "$(sed '1d;$d' "$gen" | sha256sum)" "$(sed '1d;$d' copy.snap | sha256sum)" \
	"the copy holds the same records, byte for byte, in order"
h_run "$DSCK" snapshot verify copy.snap
h_assert_rc 0 "the copy's trailer hash is right"
h_run "$DSCK" snapshot save copy.snap.gz "$gen" -q
h_assert_rc 0 "snapshot save to FILE.gz of many blocks"
h_assert_eq "$(sed '1d;$d' "$gen" | sha256sum)" "$(gunzip -c copy.snap.gz | sed '1d;$d' | sha256sum)" \
	"the gzip copy holds the same records"
h_run "$DSCK" snapshot verify copy.snap.gz
h_assert_rc 0 "the gzip copy verifies"
H_RC=0
"$DSCK" snapshot save - "$gen" >/dev/full 2>"$H_TMP/full.err" || H_RC=$?
H_ERR=$(<"$H_TMP/full.err")
h_assert_rc 6 "a full disk while the flusher writes: exit 6"
h_assert_contains "$H_ERR" "cannot write 'standard output': No space left on device" \
	"a full disk names what could not be written and why"
h_pass "snapshots of many blocks: the same bytes plain and gzip, a write failure exits 6"

# --- gzip: FILE.gz writes gzip; every reader finds gzip by its magic bytes ---
h_run "$DSCK" snapshot save g.snap.gz --api v3 --endpoints "$EP" -q
h_assert_rc 0 "save FILE.gz"
gzip -t g.snap.gz || h_fail "FILE.gz is not valid gzip"
"$DSCK" snapshot save p.snap --api v3 --endpoints "$EP" -q >/dev/null
# The same records (the headers differ in their created time, so do the trailers).
h_assert_eq "$(sed '1d;$d' p.snap | sha256sum)" "$(gunzip -c g.snap.gz | sed '1d;$d' | sha256sum)" \
	"gzip holds the same records"
gunzip -c g.snap.gz >g-plain.snap
h_run "$DSCK" snapshot verify g-plain.snap -o json
h_assert_rc 0 "the gunzipped copy verifies: the trailer covers the uncompressed bytes"
PLAIN_COUNTS=$(jq -c .counts <<<"$H_OUT")
h_run "$DSCK" snapshot verify g.snap.gz -o json
h_assert_rc 0 "verify reads gzip"
h_assert_eq "$PLAIN_COUNTS" "$(jq -c .counts <<<"$H_OUT")" "the same counts from gzip"
cp g.snap.gz renamed.snap   # by magic bytes, not by name
h_run "$DSCK" snapshot verify renamed.snap
h_assert_rc 0 "gzip found by magic, not by name"
h_run "$DSCK" snapshot verify - <g.snap.gz
h_assert_rc 0 "verify - reads gzip from stdin"
h_run "$DSCK" snapshot verify - <p.snap
h_assert_rc 0 "verify - reads a plain snapshot from stdin"
h_run "$DSCK" diff - v3 --endpoints "$EP" <g.snap.gz
h_assert_rc 0 "diff - v3 from stdin"
h_assert_contains "$H_OUT" "0 added, 0 removed, 0 changed" "gzip snapshot equals the live store"
h_run "$DSCK" diff - - <g.snap.gz
h_assert_rc 2 "diff - - is refused"
h_run "$DSCK" inspect - -o json <g.snap.gz
h_assert_rc 0 "inspect - reads gzip from stdin"
h_assert_eq "$(jq -c .counts <<<"$("$DSCK" inspect p.snap -o json)")" "$(jq -c .counts <<<"$H_OUT")" \
	"inspect of gzip equals inspect of the plain file"
h_run "$DSCK" ls /calico/v1/Ready g.snap.gz -o json
h_assert_eq "true" "$(jq -r '.records[0].value' <<<"$H_OUT")" "ls reads gzip"
h_run "$DSCK" snapshot restore - --dry-run --endpoints "$EP" <g.snap.gz
h_assert_rc 2 "restore refuses a pipe (it reads the snapshot twice)"
h_assert_contains "$H_ERR" "read twice" "restore says why"
# A real restore from gzip into a fresh member, checked against the data afterwards.
h_etcd_start two
EP2=$(h_endpoint two)
h_run "$DSCK" snapshot restore g.snap.gz --endpoints "$EP2" -q
h_assert_rc 0 "restore from gzip"
h_run "$DSCK" diff g.snap.gz v3 --endpoints "$EP2"
h_assert_rc 0 "the restored store equals the gzip snapshot"
h_assert_eq "$LONG" "$(h_etcdctl two get /calico/v1/config/Long --print-value-only)" \
	"the long value arrived whole"
# Broken gzip: named, exit 2, nothing written.
head -c $(($(stat -c %s g.snap.gz) / 2)) g.snap.gz >cut.snap.gz
h_run "$DSCK" snapshot verify cut.snap.gz
h_assert_rc 2 "truncated gzip is invalid input"
h_assert_contains "$H_ERR" "cut.snap.gz" "the message names the file"
h_assert_contains "$H_ERR" "gzip" "the message says gzip"
{ head -c 100 g.snap.gz; head -c 5000 /dev/urandom; } >bad.snap.gz
h_run "$DSCK" snapshot verify bad.snap.gz
h_assert_rc 2 "corrupt gzip is invalid input"
# Two gzip members in a row read as one stream, as gzip -d reads them.
head -n 5 g-plain.snap | gzip >multi.snap.gz
tail -n +6 g-plain.snap | gzip >>multi.snap.gz
h_run "$DSCK" snapshot verify multi.snap.gz
h_assert_rc 0 "concatenated gzip members"
h_pass "gzip snapshots: written by name, read by magic, from files and stdin"

# --- --insecure-skip-tls-verify for v2 and v3 against a TLS etcd with its own CA ---
h_etcd_start tls --tls --v2
TEP=$(h_endpoint tls)
h_etcdctl tls put /calico/v1/Ready tls-true >/dev/null
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --cert "$H_CERT" --key "$H_KEY"
h_assert_rc 4 "v3: an unknown CA fails verification (exit 4)"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --cert "$H_CERT" --key "$H_KEY" \
	--insecure-skip-tls-verify --print-value-only
h_assert_rc 0 "v3 with --insecure-skip-tls-verify"
h_assert_eq "tls-true" "$H_OUT" "v3 read over unverified TLS"
h_assert_contains "$H_ERR" "verification is DISABLED" "the skip is said loudly"
h_run env ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true "$DSCK" ls /calico --api v3 --endpoints "$TEP" \
	--cert "$H_CERT" --key "$H_KEY" -o json
h_assert_rc 0 "ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true"
h_assert_eq "tls-true" "$(jq -r '.records[0].value' <<<"$H_OUT")" "v3 ls over unverified TLS"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --insecure-skip-tls-verify
h_assert_rc 4 "unverified TLS still sends no certificate when none is given: the server refuses"
h_etcdctl2 tls set /calico/v1/Ready v2-tls >/dev/null
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$TEP" --cert "$H_CERT" --key "$H_KEY" \
	--insecure-skip-tls-verify --print-value-only
h_assert_rc 0 "v2 with --insecure-skip-tls-verify"
h_assert_eq "v2-tls" "$H_OUT" "v2 read over unverified TLS"
h_pass "--insecure-skip-tls-verify works for v2 and v3, loudly"

# --- status shows Ready for v2 and for v3 ---
h_etcdctl one put /calico/v1/Ready false >/dev/null
h_run "$DSCK" status --endpoints "$EP" -o json
h_assert_eq "false" "$(jq -r .calico.ready_v3 <<<"$H_OUT")" "status: v3's own Ready"
h_run "$DSCK" status --endpoints "$EP"
h_assert_contains "$H_OUT" "Ready in v3" "status table shows v3's Ready"
h_etcdctl one put /calico/v1/Ready true >/dev/null
h_pass "status shows Ready for v2 and v3"

# --- a PREFIX is a subtree in every command and both APIs ---
h_etcdctl one put /calicox/other v3-sibling >/dev/null
h_etcdctl2 one set /calicox/other v2-sibling >/dev/null
for api in v2 v3; do
	h_run "$DSCK" ls /calico --api $api --endpoints "$EP" -o json
	h_assert_not_contains "$H_OUT" "/calicox" "ls /calico ($api) leaves out /calicox"
	h_run "$DSCK" ls /calico/ --api $api --endpoints "$EP" -o json
	h_assert_not_contains "$H_OUT" "/calicox" "ls /calico/ ($api) is the same subtree"
	h_run "$DSCK" snapshot save "pfx-$api.snap" --api $api --endpoints "$EP" -q
	h_run grep -c calicox "pfx-$api.snap"
	h_assert_eq 0 "$H_OUT" "snapshot save ($api) leaves out /calicox"
	h_run "$DSCK" diff "pfx-$api.snap" $api --endpoints "$EP"
	h_assert_rc 0 "diff ($api) leaves out /calicox"
done
h_run "$DSCK" ls /calico/v1/ho --api v3 --endpoints "$EP" -o json
h_assert_rc 0 "a prefix that cuts a segment is not an error"
h_assert_eq 0 "$(jq '.records | length' <<<"$H_OUT")" "and selects nothing"
h_assert_contains "$H_ERR" "with those bytes" "ls says the prefix cut a segment (v3)"
h_run "$DSCK" ls /calico/v1/ho --api v2 --endpoints "$EP" -o json
h_assert_rc 0 "a prefix that cuts a segment is not an error (v2)"
h_assert_eq 0 "$(jq '.records | length' <<<"$H_OUT")" "and selects nothing (v2)"
h_assert_contains "$H_ERR" "with those bytes" "ls says the prefix cut a segment (v2)"
h_run "$DSCK" ls /calico/v1/nothing --api v2 --endpoints "$EP"
h_assert_rc 0 "an absent v2 prefix"
h_assert_not_contains "$H_ERR" "with those bytes" "no cut-segment note without such keys"
h_run "$DSCK" ls /calico/v1/ho pfx-v3.snap
h_assert_contains "$H_ERR" "with those bytes" "ls says the prefix cut a segment (file)"
h_run "$DSCK" snapshot save cut.snap --api v3 --endpoints "$EP" --prefix /calico/v1/ho
h_assert_contains "$H_ERR" "whole path" "snapshot save names the cut segment"
h_etcdctl two put /calicox/keep yes >/dev/null
h_run "$DSCK" snapshot restore pfx-v3.snap --endpoints "$EP2" --prune --yes --on-conflict overwrite -q
h_assert_rc 0 "restore --prune of a /calico snapshot"
h_assert_eq yes "$(h_etcdctl two get /calicox/keep --print-value-only)" "--prune never touches /calicox"
h_pass "a PREFIX is a subtree for ls, snapshot save, diff and restore --prune, v2 and v3"

# --- the --help examples run as written ---
mkdir ex && cd ex
h_etcdctl one snapshot save backup.db >/dev/null 2>&1
export DSCK_ENDPOINTS=$EP
run_examples() {   # run_examples CMD OKCODES: each example line of `dsck help CMD`
	local cmd=$1 ok=$2 line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		line=${line%%   (*}
		h_run bash -o pipefail -c "dsck() { \"\$DSCK\" \"\$@\"; }; export -f dsck 2>/dev/null; $line"
		[[ " $ok " == *" $H_RC "* ]] || h_fail "example '$line' exited $H_RC"
	done < <("$DSCK" help $cmd | sed -n '/^Examples:/,/^$/p' | sed -n 's/^  //p')
	((n >= 4)) || h_fail "only $n examples found for dsck $cmd"
}
export DSCK
run_examples "snapshot save" 0
run_examples "snapshot verify" 0
cp calico-v2.snap before.snap && cp calico.snap after.snap
run_examples diff "0 1"
[[ -s calico-pipe.snap.gz && -s calico-v3.snap.gz && -s calico.snap ]] || h_fail "the examples wrote their files"
unset DSCK_ENDPOINTS
cd ..
h_pass "the snapshot save, snapshot verify and diff --help examples run as written"

h_done
