#!/usr/bin/env bash
# The finding catalogue (docs/findings.md) and the source agree both ways:
# every code the source can emit has an entry and every entry is a code the
# source emits; `dsck explain` prints entries, refuses unknown codes, and
# tables point to it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${SRCDIR:?set SRCDIR}"

# Codes are string literals in a code position: after the severity argument
# of findings_add() or a check's add() helper (possibly as both arms of a
# ternary), in a { "code", SEV_* } table, in a *_CODE macro, or as the
# "missing" code of a CRD kind table row (after its K8S_TPR_* id).
source_codes=$(find "$SRCDIR/src" -name '*.[ch]' -print0 | xargs -0 perl -e '
	undef $/;
	my %c;
	my $code = qr/"([a-z0-9]+(?:-[a-z0-9]+)+)"/;
	for my $f (@ARGV) {
		open my $fh, "<", $f or die "$f: $!";
		my $s = <$fh>;
		$c{$1}++ while $s =~ /\b(?:SEV_[A-Z]+|sev)\s*,\s*$code/g;
		$c{$1}++ while $s =~ /\{\s*$code\s*,\s*SEV_[A-Z]+\s*\}/g;
		$c{$1}++ while $s =~ /#define\s+\w*CODE\w*\s+$code/g;
		$c{$1}++ while $s =~ /\bK8S_TPR_\w+\s*,\s*$code/g;
		while ($s =~ /\b(?:findings_add|add)\s*\([^;]*?\?\s*$code\s*:\s*$code/g) {
			$c{$1}++; $c{$2}++;
		}
	}
	print "$_\n" for sort keys %c;')
doc_codes=$(sed -n 's/^### \([a-z0-9-]*\)$/\1/p' "$SRCDIR/docs/findings.md" | sort)

n_src=$(wc -l <<<"$source_codes")
# A broken extraction must not pass as "nothing to document".
((n_src >= 50)) || h_fail "only $n_src codes found in the source"
for known in ttl-will-persist v2-data-not-in-etcd-snapshot member-error namespace-review \
	     object-not-migrated ready-not-true; do
	grep -qx -- "$known" <<<"$source_codes" || h_fail "code extraction misses $known"
done
h_pass "$n_src finding codes found in the source"

missing=$(comm -23 <(echo "$source_codes") <(echo "$doc_codes"))
h_assert_eq "" "$missing" "every code the source emits has an entry in docs/findings.md"
stale=$(comm -13 <(echo "$source_codes") <(echo "$doc_codes"))
h_assert_eq "" "$stale" "every entry in docs/findings.md is a code the source emits"
dups=$(uniq -d <<<"$doc_codes")
h_assert_eq "" "$dups" "no code has two entries"

# Each entry has the four parts, and explain prints it.
while read -r code; do
	h_run "$DSCK" explain "$code"
	h_assert_rc 0 "dsck explain $code"
	for part in "Severity: " "Means: " "Read: " "Do: "; do
		h_assert_contains "$H_OUT" "$part" "entry $code has '$part'"
	done
	[[ $(head -1 <<<"$H_OUT") == "$code" ]] || h_fail "dsck explain $code starts with its code"
done <<<"$doc_codes"
h_pass "dsck explain prints all $(wc -l <<<"$doc_codes") entries"

h_run "$DSCK" explain
h_assert_rc 0 "dsck explain lists the codes"
h_assert_eq "$doc_codes" "$(grep -E '^[a-z0-9-]+$' <<<"$H_OUT" | sort)" "the list is the catalogue"

h_run "$DSCK" explain ttl-will-persist -o json
h_assert_rc 0 "explain -o json"
h_assert_eq "warning true ttl-will-persist" \
	"$(jq -r '[.severity, .ok, .code] | join(" ")' <<<"$H_OUT")" "explain JSON"
h_assert_contains "$(jq -r .text <<<"$H_OUT")" "--no-ttl" "the JSON text is the entry"

h_run "$DSCK" explain no-such-code
h_assert_rc 2 "an unknown code is a usage error"
h_assert_contains "$H_ERR" "unknown finding code 'no-such-code'" "and says so"
h_assert_eq "" "$H_OUT" "nothing on stdout"

# A table of findings ends each finding with its explain pointer.
h_etcd_start one --v2
h_etcdctl2 one set /calico/v1/Ready true >/dev/null
h_etcdctl2 one set /calico/felix/v1/host/h1/status x --ttl 300 >/dev/null
h_run "$DSCK" check pre-migrate --endpoints "$(h_endpoint one)"
h_assert_contains "$H_OUT" "(dsck explain backup-reminder)" "table points to dsck explain"
h_assert_contains "$H_OUT" "(dsck explain ttl-will-persist)" "for each code"
h_assert_contains "$H_OUT" "0 errors, 2 warnings, 1 info" "the sum line counts in plural"
h_run "$DSCK" check v2-content --endpoints "$(h_endpoint one)"
h_assert_contains "$H_OUT" "1 error, 0 warnings, 0 info" "and in singular"
h_run "$DSCK" check pre-migrate --endpoints "$(h_endpoint one)" -o json
h_assert_not_contains "$H_OUT" "dsck explain" "JSON details stay as they were"

h_done
