#!/usr/bin/env bash
# Documentation that cannot drift: the man page renders cleanly and names
# every command and option the tool has; bash completion offers them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${SRCDIR:?set SRCDIR}"
man=$SRCDIR/docs/dsck.1

h_run groff -man -Tutf8 -ww -z "$man"
h_assert_rc 0 "man page renders"
h_assert_eq "" "$H_ERR" "man page renders without warnings"
text=$(groff -man -Tutf8 "$man" 2>/dev/null | col -bx)
# Command names fill the first 25 columns of the list (they may hold a space).
# Read the whole help first: awk stops early, and dsck exits 141 on a closed pipe.
help=$("$DSCK" --help)
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { n = substr($0, 3, 25); sub(/ +$/, "", n); print n } on && /^$/ { exit }' <<<"$help")
[[ -n $commands ]] || h_fail "no commands parsed from dsck --help"
n=0
while read -r cmd; do
	h_assert_contains "$text" "$cmd" "man page documents '$cmd'"
	# Option lines only (examples may quote other tools' flags).
	for opt in $("$DSCK" $cmd --help | grep -E -- '^ +(-[a-z], )?--[a-z]' |
		     grep -oE -- '--[a-z0-9-]+' | sort -u); do
		h_assert_contains "$text" "$opt" "man page documents $opt (dsck $cmd)"
	done
	n=$((n + 1))
done <<<"$commands"
((n >= 15)) || h_fail "only $n commands found"
h_pass "man page covers all $n commands and their options"

comp() {
	local words="$*"
	PATH=$(dirname "$DSCK"):$PATH COMP_WORDS_STR="$words" bash -c '
		source "'"$SRCDIR"'/completions/dsck.bash"
		read -ra COMP_WORDS <<<"$COMP_WORDS_STR"
		[[ $COMP_WORDS_STR == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_dsck
		printf "%s\n" "${COMPREPLY[@]}"'
}
h_assert_contains "$(comp "dsck sn")" snapshot "completes commands"
h_assert_contains "$(comp "dsck snapshot ")" restore "completes subcommands"
h_assert_contains "$(comp "dsck snapshot restore --on")" --on-conflict "completes options from --help"
h_assert_contains "$(comp "dsck ls --api ")" v3 "completes option values"
h_assert_contains "$(comp "dsck --endpoints http://x:2379 -q sn")" snapshot "completes commands after global options"
h_assert_contains "$(comp "dsck --endpoints=x snapshot ")" verify "completes subcommands after global options"
h_assert_contains "$(comp "dsck -o json snapshot save --for")" --force "completes options after global options"
h_assert_contains "$(comp "dsck help sn")" snapshot "completes dsck help COMMAND"
h_pass "bash completion"
h_done
