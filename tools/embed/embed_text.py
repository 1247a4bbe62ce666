#!/usr/bin/env python3
"""Write a C file that holds a text file as one string constant.

Usage: embed_text.py INPUT OUTPUT SYMBOL

The documentation in docs/ stays the one source of truth for text the tool
prints (docs/findings.md for `dsck explain`); this turns it into
`const char SYMBOL[]` at build time.
"""
import sys


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
        esc = esc.replace("\n", "\\n")
        out.append('\t"' + esc + '"')
    return "\n".join(out) if out else '\t""'


def main():
    src, dst, symbol = sys.argv[1:4]
    with open(src, encoding="utf-8") as f:
        text = f.read()
    with open(dst, "w", encoding="utf-8") as f:
        f.write("/* Generated from %s by tools/embed/embed_text.py: do not edit. */\n" % src.split("/")[-1])
        f.write("extern const char %s[];\n" % symbol)
        f.write("const char %s[] =\n%s;\n" % (symbol, c_string(text)))


if __name__ == "__main__":
    main()
