#!/usr/bin/env python3
"""Check an evaluation suite (a paw project with src/*.pw and cases.jsonl) without building it.

    python3 benches/suites/check_suite.py SUITE_DIR [--cases FILE] [--allow-duplicates]

Checks, reading the declarations from the suite's .pw files with a simple line parser:
  - every case names a declared `fuzzy fn`, with as many args as it has parameters;
  - every arg fits its parameter's type and the expected value fits the return type
    (bool, int, float, str, json, list[T], T?, enum variant names, structs as JSON objects
    with exactly the declared fields);
  - the docstring examples' values fit the signature too;
  - no case's args equal a docstring example's args (exactly: error; after trimming and
    case-folding strings: warning);
  - no duplicate cases (same fn, args and expected), no conflicting ones (same fn and args,
    different expected).
Prints the number of cases per function (with the label counts for bool and enum returns)
and every problem; exits 1 when there is an error. Python 3 standard library only.
"""
import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


# ---------------------------------------------------------------- paw literal parser

class LiteralError(ValueError):
    pass


def parse_literal_list(text):
    """Parse a comma-separated run of paw literals (the inside of a call's parentheses)."""
    p = _Parser(text)
    values = []
    p.ws()
    if p.at_end():
        return values
    while True:
        values.append(p.value())
        p.ws()
        if p.at_end():
            return values
        p.expect(",")


def parse_literal(text):
    p = _Parser(text)
    v = p.value()
    p.ws()
    if not p.at_end():
        raise LiteralError(f"trailing text after value: {text[p.i:]!r}")
    return v


class _Parser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def at_end(self):
        return self.i >= len(self.s)

    def ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def expect(self, ch):
        self.ws()
        if self.s[self.i:self.i + 1] != ch:
            raise LiteralError(f"expected {ch!r} at {self.i} in {self.s!r}")
        self.i += 1

    def value(self):
        self.ws()
        if self.at_end():
            raise LiteralError("missing value")
        c = self.s[self.i]
        if c == '"':
            dec = json.JSONDecoder()
            v, end = dec.raw_decode(self.s, self.i)
            self.i = end
            return v
        if c == "[":
            self.i += 1
            out = []
            self.ws()
            if self.s[self.i:self.i + 1] == "]":
                self.i += 1
                return out
            while True:
                out.append(self.value())
                self.ws()
                if self.s[self.i:self.i + 1] == "]":
                    self.i += 1
                    return out
                self.expect(",")
        if c == "{":
            self.i += 1
            out = {}
            self.ws()
            if self.s[self.i:self.i + 1] == "}":
                self.i += 1
                return out
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] == '"':
                    key = self.value()
                else:
                    m = re.compile(IDENT).match(self.s, self.i)
                    if not m:
                        raise LiteralError(f"expected a field name at {self.i} in {self.s!r}")
                    key = m.group(0)
                    self.i = m.end()
                self.expect(":")
                out[key] = self.value()
                self.ws()
                if self.s[self.i:self.i + 1] == "}":
                    self.i += 1
                    return out
                self.expect(",")
        m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?").match(self.s, self.i)
        if m:
            self.i = m.end()
            t = m.group(0)
            return float(t) if (m.group(1) or m.group(2)) else int(t)
        m = re.compile(IDENT).match(self.s, self.i)
        if m:
            self.i = m.end()
            word = m.group(0)
            return {"true": True, "false": False, "null": None, "none": None}.get(word, _Variant(word))
        raise LiteralError(f"cannot read a value at {self.i} in {self.s!r}")


class _Variant(str):
    """A bare identifier in a docstring example: an enum variant."""


# ---------------------------------------------------------------- declarations

def parse_type(t):
    t = t.strip()
    if t.endswith("?"):
        return ("opt", parse_type(t[:-1]))
    m = re.fullmatch(r"list\s*\[(.*)\]", t)
    if m:
        return ("list", parse_type(m.group(1)))
    return ("name", t)


def type_name(ty):
    kind, inner = ty
    if kind == "opt":
        return type_name(inner) + "?"
    if kind == "list":
        return f"list[{type_name(inner)}]"
    return inner


def split_top(text, sep=","):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def strip_comment(line):
    """Drop a trailing `//` comment that is not inside a string (docstrings are handled apart)."""
    out, in_str, esc = "", False, False
    for i, ch in enumerate(line):
        if in_str:
            esc = (ch == "\\") and not esc
            if ch == '"' and not esc:
                in_str = False
        elif ch == '"':
            in_str = True
        elif line.startswith("//", i):
            break
        out += ch
    return out


def parse_sources(src_dir):
    enums, structs, fns = {}, {}, {}
    problems = []
    for path in sorted(Path(src_dir).rglob("*.pw")):
        lines = path.read_text(encoding="utf-8").splitlines()
        doc = []  # the docstring lines directly above the current line
        block = None  # ("enum"|"struct", name) while inside one
        pending_fn = None  # a fuzzy fn header spread over several lines
        for lineno, raw in enumerate(lines, 1):
            stripped = raw.strip()
            if stripped.startswith("///"):
                doc.append((lineno, stripped[3:].lstrip(" ") if stripped[3:4] == " " else stripped[3:]))
                continue
            code = strip_comment(raw).strip()
            if pending_fn is not None:
                pending_fn[0] += " " + code
                if ")" in code:
                    header, fdoc, fline = pending_fn
                    pending_fn = None
                    _add_fn(header, fdoc, fline, path, fns, problems)
                doc = []
                continue
            if not code:
                if not stripped:
                    doc = []
                continue
            if block:
                if code.startswith("}"):
                    block = None
                else:
                    kind, name = block
                    for item in split_top(code):
                        item = item.strip()
                        if not item:
                            continue
                        if kind == "enum":
                            enums[name].append(item)
                        else:
                            fname, _, ftype = item.partition(":")
                            structs[name][fname.strip()] = parse_type(ftype)
                doc = []
                continue
            m = re.match(rf"(?:pub\s+)?(enum|struct)\s+({IDENT})\s*\{{(.*)$", code)
            if m:
                kind, name, rest = m.groups()
                if kind == "enum":
                    enums[name] = []
                else:
                    structs[name] = {}
                block = (kind, name)
                rest = rest.strip()
                if rest:  # a one-line declaration
                    body, closed = (rest[:rest.index("}")], True) if "}" in rest else (rest, False)
                    for item in split_top(body):
                        item = item.strip()
                        if item:
                            if kind == "enum":
                                enums[name].append(item)
                            else:
                                fname, _, ftype = item.partition(":")
                                structs[name][fname.strip()] = parse_type(ftype)
                    if closed:
                        block = None
                doc = []
                continue
            if re.match(r"(?:pub\s+)?fuzzy\s+fn\b", code):
                if ")" in code:
                    _add_fn(code, doc, lineno, path, fns, problems)
                else:
                    pending_fn = [code, doc, lineno]
                doc = []
                continue
            doc = []
    return enums, structs, fns, problems


def _add_fn(header, doc, lineno, path, fns, problems):
    m = re.match(rf"(?:pub\s+)?fuzzy\s+fn\s+({IDENT})\s*\((.*)\)\s*->\s*(.+?)\s*;?\s*$", header)
    if not m:
        problems.append(("error", f"{path}:{lineno}: cannot read fuzzy fn header: {header}"))
        return
    name, params_text, ret = m.groups()
    params = []
    for p in split_top(params_text):
        pname, _, ptype = p.partition(":")
        params.append((pname.strip(), parse_type(ptype)))
    examples = []
    for i, (dline, text) in enumerate(doc):
        if text.startswith(">>>"):
            call = text[3:].strip()
            cm = re.match(rf"({IDENT})\s*\((.*)\)\s*$", call)
            if not cm or i + 1 >= len(doc):
                problems.append(("error", f"{path}:{dline}: cannot read example: {text}"))
                continue
            try:
                args = parse_literal_list(cm.group(2))
                expected = parse_literal(doc[i + 1][1])
            except (LiteralError, ValueError) as e:
                problems.append(("error", f"{path}:{dline}: cannot read example values: {e}"))
                continue
            examples.append({"line": dline, "fn": cm.group(1), "args": args, "expected": expected})
    if name in fns:
        problems.append(("error", f"{path}:{lineno}: fuzzy fn `{name}` declared twice"))
    fns[name] = {"params": params, "ret": parse_type(ret), "examples": examples, "where": f"{path}:{lineno}"}


# ---------------------------------------------------------------- type fitting

def fits(value, ty, enums, structs, allow_variant=False):
    """Why `value` does not fit `ty` (a string), or None when it fits."""
    kind, inner = ty
    if kind == "opt":
        return None if value is None else fits(value, inner, enums, structs, allow_variant)
    if kind == "list":
        if not isinstance(value, list):
            return f"{_show(value)} is not a list"
        for v in value:
            why = fits(v, inner, enums, structs, allow_variant)
            if why:
                return why
        return None
    name = inner
    if isinstance(value, _Variant) and not allow_variant:
        return f"bare word {value!r} is not a value"
    if name == "json":
        return None
    if name == "bool":
        return None if isinstance(value, bool) else f"{_show(value)} is not a bool"
    if name == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{_show(value)} is not an int"
    if name == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"{_show(value)} is not a float"
    if name == "str":
        ok = isinstance(value, str) and not isinstance(value, _Variant)
        return None if ok else f"{_show(value)} is not a str"
    if name in enums:
        if isinstance(value, str) and value in enums[name]:
            return None
        return f"{_show(value)} is not a variant of {name} ({', '.join(enums[name])})"
    if name in structs:
        fields = structs[name]
        if not isinstance(value, dict):
            return f"{_show(value)} is not a {name} object"
        missing = [f for f in fields if f not in value and fields[f][0] != "opt"]
        extra = [k for k in value if k not in fields]
        if missing or extra:
            return f"{name} fields: missing {missing}, unknown {extra}"
        for f, v in value.items():
            why = fits(v, fields[f], enums, structs, allow_variant)
            if why:
                return f"{name}.{f}: {why}"
        return None
    return f"unknown type `{name}`"


def _show(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _loose(v):
    if isinstance(v, str):
        return " ".join(v.replace("\ufeff", "").split()).casefold()
    if isinstance(v, list):
        return [_loose(x) for x in v]
    if isinstance(v, dict):
        return {k: _loose(x) for k, x in v.items()}
    return v


def _key(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("suite", help="suite directory (paw.toml, src/, cases.jsonl)")
    ap.add_argument("--cases", help="cases file (default SUITE/cases.jsonl)")
    ap.add_argument("--allow-duplicates", action="store_true",
                    help="report exact duplicate cases as warnings, not errors (a suite that keeps a "
                         "dataset's repeated rows on purpose, like the dev suite's youtube_is_spam)")
    a = ap.parse_args()
    suite = Path(a.suite)
    cases_path = Path(a.cases) if a.cases else suite / "cases.jsonl"
    problems = []
    if not (suite / "paw.toml").is_file():
        problems.append(("error", f"{suite}: no paw.toml"))
    enums, structs, fns, parse_problems = parse_sources(suite / "src")
    problems += parse_problems
    if not fns:
        problems.append(("error", f"{suite}/src: no fuzzy fn found"))

    # docstring examples fit their signatures
    example_args = defaultdict(list)
    for name, f in fns.items():
        if not f["examples"]:
            problems.append(("warning", f"{f['where']}: `{name}` has no docstring example"))
        for ex in f["examples"]:
            at = f"{f['where'].split(':')[0]}:{ex['line']}"
            if ex["fn"] != name:
                problems.append(("error", f"{at}: example calls `{ex['fn']}` in the docstring of `{name}`"))
                continue
            if len(ex["args"]) != len(f["params"]):
                problems.append(("error", f"{at}: example has {len(ex['args'])} args, `{name}` takes {len(f['params'])}"))
                continue
            for (pname, pty), v in zip(f["params"], ex["args"]):
                why = fits(v, pty, enums, structs, allow_variant=True)
                if why:
                    problems.append(("error", f"{at}: example arg `{pname}`: {why}"))
            why = fits(ex["expected"], f["ret"], enums, structs, allow_variant=True)
            if why:
                problems.append(("error", f"{at}: example value: {why}"))
            example_args[name].append([str(x) if isinstance(x, _Variant) else x for x in ex["args"]])

    # cases
    counts = Counter()
    labels = defaultdict(Counter)
    seen = {}
    if not cases_path.is_file():
        problems.append(("error", f"{cases_path}: missing"))
        lines = []
    else:
        lines = cases_path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        at = f"{cases_path}:{n}"
        try:
            case = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(("error", f"{at}: not JSON: {e}"))
            continue
        if not isinstance(case, dict) or not {"fn", "args", "expected"} <= set(case):
            problems.append(("error", f"{at}: needs \"fn\", \"args\" and \"expected\""))
            continue
        name, args, expected = case["fn"], case["args"], case["expected"]
        extra = set(case) - {"fn", "args", "expected"}
        if extra:
            problems.append(("warning", f"{at}: extra keys {sorted(extra)}"))
        if name not in fns:
            problems.append(("error", f"{at}: no fuzzy fn `{name}` in the suite"))
            continue
        f = fns[name]
        counts[name] += 1
        if not isinstance(args, list):
            problems.append(("error", f"{at}: \"args\" is not a list"))
            continue
        if len(args) != len(f["params"]):
            problems.append(("error", f"{at}: {len(args)} args, `{name}` takes {len(f['params'])}"))
        else:
            for (pname, pty), v in zip(f["params"], args):
                why = fits(v, pty, enums, structs)
                if why:
                    problems.append(("error", f"{at}: arg `{pname}`: {why}"))
        why = fits(expected, f["ret"], enums, structs)
        if why:
            problems.append(("error", f"{at}: expected: {why}"))
        if f["ret"][0] == "name" and (f["ret"][1] == "bool" or f["ret"][1] in enums):
            labels[name][json.dumps(expected)] += 1
        for ex in example_args[name]:
            if args == ex:
                problems.append(("error", f"{at}: args equal a docstring example of `{name}`"))
            elif _loose(args) == _loose(ex):
                problems.append(("warning", f"{at}: args equal a docstring example of `{name}` up to case/whitespace"))
        k = (name, _key(args))
        if k in seen:
            first_line, first_expected = seen[k]
            if _key(first_expected) == _key(expected):
                level = "warning" if a.allow_duplicates else "error"
                problems.append((level, f"{at}: duplicate of line {first_line}"))
            else:
                problems.append(("error", f"{at}: same args as line {first_line} with a different expected value"))
        else:
            seen[k] = (n, expected)

    # report
    print(f"suite {suite}: {len(fns)} fuzzy fns, {len(enums)} enums, {len(structs)} structs, "
          f"{sum(counts.values())} cases")
    width = max([len(n) for n in fns] + [8])
    for name, f in fns.items():
        sig = ", ".join(type_name(t) for _, t in f["params"])
        line = f"  {name:<{width}}  {counts[name]:>4}  ({sig}) -> {type_name(f['ret'])}  ex={len(f['examples'])}"
        if labels[name]:
            dist = ", ".join(f"{json.loads(k)}:{v}" for k, v in sorted(labels[name].items()))
            line += f"  [{dist}]"
        print(line)
        if counts[name] == 0:
            problems.append(("warning", f"`{name}` has no cases"))
    errors = [p for p in problems if p[0] == "error"]
    warnings = [p for p in problems if p[0] == "warning"]
    for level, msg in problems:
        print(f"{level}: {msg}")
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
