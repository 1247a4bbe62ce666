#!/usr/bin/env python3
"""Check the progress lines of one dsck run's standard error.

usage: progress_check.py FILE WHAT

The lines of WHAT ("diff", "restore plan", ...) must be redrawn in place
(each starts with a carriage return) on one physical line of their own, at
least one update before the final one, each covering the whole of the one
before it (on a terminal an erase sequence does that; elsewhere spaces do),
and the final one must end that line with a newline. Prints the key count of
the final line, then its byte count in MB, for the caller to compare.
"""
import re
import sys

ERASE = "\x1b[K"


def fail(msg):
    sys.exit(f"progress_check: {msg}")


def main():
    path, what = sys.argv[1], sys.argv[2]
    # A terminal's output (script(1)) has \r\n for \n.
    text = open(path, encoding="utf-8", newline="").read().replace("\r\n", "\n")
    head = what + ": "
    lines = [ln for ln in text.split("\n")
             if ln.startswith("\r" + head) or ln.startswith("\r" + ERASE + head)]
    if not lines:
        fail(f"no '{what}' progress on stderr")
    if len(lines) > 1:
        fail(f"'{what}' progress spans {len(lines)} lines, not one redrawn line")
    segs = lines[0].split("\r")
    if segs[0] != "":
        fail(f"text before the first progress line: {segs[0]!r}")
    segs = segs[1:]
    tty = segs[0].startswith(ERASE)
    prev = 0
    for s in segs:
        if tty:
            if not s.startswith(ERASE):
                fail(f"a redrawn line does not erase the old one: {s!r}")
            s = s[len(ERASE):]
        elif len(s) < prev:
            fail(f"a shorter line leaves the tail of the one before: {s!r}")
        if not s.startswith(head):
            fail(f"not a progress line: {s!r}")
        prev = len(s)
    final = segs[-1].replace(ERASE, "").rstrip(" ")
    m = re.fullmatch(re.escape(head) + r"(\d+)(?: of \d+)? (?:keys?|records?)"
                     r"(?:, ([\d.]+)(?: of [\d.]+)? MB (?:received|written))?"
                     r"(?:, [\d.]+ (?:keys|records|MB)/s)? in [\d.]+ s", final)
    if not m:
        fail(f"the final line is not a summary: {final!r}")
    if len(segs) < 2:
        fail("no update before the final line")
    print(m.group(1), m.group(2) or "0")


main()
