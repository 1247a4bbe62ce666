#!/usr/bin/env python3
"""Check a dsck JSON document against its shape in docs/json.md.

Usage: json_shape.py DOC NAME < output.json     exit 0 when it conforms
       json_shape.py --dump < output.json        print the shape of a document

A shape is a fenced block  ```shape NAME  of lines "PATH: TYPE|TYPE".
PATH is dotted; "[]" stands for every element of an array, "*" for every
value of a map; a trailing "?" marks a field that may be absent. TYPE is one
of string, integer, number, boolean, null, object, array. An object whose
fields are documented may hold no other field (unless it has a "*" entry);
an object documented only as "object" is not looked into.
"""
import json
import re
import sys

TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def shapes(doc_path):
    out, name = {}, None
    with open(doc_path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"^```shape\s+(.+?)\s*$", line)
            if m:
                name = m.group(1)
                out[name] = {}
                continue
            if name is None:
                continue
            if line.startswith("```"):
                name = None
                continue
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path, _, types = line.partition(":")
            optional = path.endswith("?")
            path = path.rstrip("?").strip()
            kinds = [t.strip() for t in types.split("|")]
            for t in kinds:
                if t not in TYPES:
                    sys.exit("%s:%d: unknown type '%s'" % (doc_path, n, t))
            out[name][path] = (kinds, optional)
    return out


def split(path):
    return re.findall(r"\[\]|\*|[^.\[\]]+", path)


def canon(parts):
    s = ""
    for p in parts:
        s += p if p == "[]" else ("." if s else "") + p
    return s


def check(shape, doc):
    errors = []
    children = {}
    for path in shape:
        parts = split(path)
        children.setdefault(canon(parts[:-1]), set()).add(parts[-1])

    def walk(value, parts):
        name = canon(parts) or "(document)"
        if parts:
            kinds, _ = shape[canon(parts)]
            if not any(TYPES[t](value) for t in kinds):
                errors.append("%s: %s is not %s" % (name, json.dumps(value)[:60],
                                                    "|".join(kinds)))
        kids = children.get(canon(parts))
        if not kids:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if k in kids:
                    walk(v, parts + [k])
                elif "*" in kids:
                    walk(v, parts + ["*"])
                else:
                    errors.append("%s: field '%s' is not documented" % (name, k))
            for k in kids - {"*", "[]"}:
                if k not in value and not shape[canon(parts + [k])][1]:
                    errors.append("%s: field '%s' is missing" % (name, k))
        elif isinstance(value, list) and "[]" in kids:
            for v in value:
                walk(v, parts + ["[]"])

    walk(doc, [])
    return errors


def dump(value, path=""):
    kind = next(t for t in ("null", "boolean", "integer", "number", "string", "object", "array")
                if TYPES[t](value))
    if path:
        print("%s: %s" % (path, kind))
    if isinstance(value, dict):
        for k in sorted(value):
            dump(value[k], (path + "." if path else "") + k)
    elif isinstance(value, list) and value:
        dump(value[0], path + "[]")


def main():
    text = sys.stdin.read()
    try:
        docs = [json.loads(text)]
    except ValueError as e:
        sys.exit("not one JSON document: %s" % e)
    if sys.argv[1] == "--dump":
        dump(docs[0])
        return
    all_shapes = shapes(sys.argv[1])
    if sys.argv[2] not in all_shapes:
        sys.exit("%s documents no shape '%s'" % (sys.argv[1], sys.argv[2]))
    errors = check(all_shapes[sys.argv[2]], docs[0])
    for e in errors:
        print("%s: %s" % (sys.argv[2], e))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
