#!/usr/bin/env python3
"""Renders the measured tables of README.md, docs/ and pre_trained_models/ from docs/measurements.tsv.

Every measured figure the docs give is one line of docs/measurements.tsv: the table it belongs to, its row and
column labels, its value, the command that reproduces it and the CPU it ran on. A Markdown file shows a table
between two markers, and this script writes what goes between them:

    <!-- measurements: results | recipe -->        (table id, then the header of the row-label column)
    ...generated, do not edit...
    <!-- /measurements -->

A figure is its row and column labels: the same row and column in two tables must carry the same value, command
and CPU, so the docs cannot give one figure two values. Within a table, a row's figures share one command and one
CPU, which the table shows beside them.

    python3 docs/figures.py            rewrite the tables in place
    python3 docs/figures.py --check    change nothing; exit 1 naming every stale table or inconsistent figure
    --root DIR                         another repository root (the tests use a scratch one)

Standard library only, so that it runs wherever the test suite runs.
"""
import argparse
import os
import re
import sys

MEASUREMENTS = os.path.join("docs", "measurements.tsv")
COLUMNS = ["table", "row", "column", "value", "command", "cpu"]
BLOCK = re.compile(r"(<!-- measurements: *(?P<table>[\w.-]+) *\| *(?P<header>[^>]*?) *-->\n)(?P<body>.*?)(<!-- /measurements -->)",
                   re.DOTALL)
SKIPPED_FOLDERS = {".git", "artifacts", "bin", "obj", "work-sample", "node_modules"}


def read_measurements(path):
    """The figures in file order, and every problem found in them (all of them, not only the first)."""
    figures, problems = [], []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            if header != COLUMNS:
                problems.append(f"{path}:{number}: header must be {' '.join(COLUMNS)} (tab-separated)")
                return figures, problems
            continue
        if len(fields) != len(COLUMNS):
            problems.append(f"{path}:{number}: {len(fields)} fields, expected {len(COLUMNS)}")
            continue
        figure = dict(zip(COLUMNS, (field.strip() for field in fields)), line=number)
        empty = [name for name in COLUMNS if not figure[name]]
        if empty:
            problems.append(f"{path}:{number}: empty {', '.join(empty)}")
            continue
        figures.append(figure)
    if header is None:
        problems.append(f"{path}: no header line")
    problems += inconsistencies(figures, path)
    return figures, problems


def inconsistencies(figures, path):
    problems = []
    seen = {}
    for figure in figures:
        key = (figure["row"], figure["column"])
        first = seen.setdefault(key, figure)
        if first is figure:
            continue
        where = f"{path}:{first['line']} and :{figure['line']}"
        if first["table"] == figure["table"]:
            problems.append(f"{where}: '{key[0]}' / '{key[1]}' is given twice in table {figure['table']}")
        for name in ("value", "command", "cpu"):
            if first[name] != figure[name]:
                problems.append(f"{where}: '{key[0]}' / '{key[1]}' has two {name}s: '{first[name]}' and '{figure[name]}'")
    rows = {}
    for figure in figures:
        first = rows.setdefault((figure["table"], figure["row"]), figure)
        for name in ("command", "cpu"):
            if first[name] != figure[name]:
                problems.append(f"{path}:{figure['line']}: table {figure['table']}, row '{figure['row']}': "
                                f"{name} '{figure[name]}' differs from line {first['line']}'s; a row's figures share one")
    return problems


def render(table, header, figures):
    """The Markdown table: one line per row, one column per measured quantity, then the command and the CPU, each
    as a column where the rows differ in it and as one line under the table where they share it."""
    mine = [f for f in figures if f["table"] == table]
    rows, columns = [], []
    for f in mine:
        if f["row"] not in rows:
            rows.append(f["row"])
        if f["column"] not in columns:
            columns.append(f["column"])
    cell = {(f["row"], f["column"]): f["value"] for f in mine}
    first = {row: next(f for f in mine if f["row"] == row) for row in rows}
    commands = list(dict.fromkeys(f["command"] for f in mine))
    cpus = list(dict.fromkeys(f["cpu"] for f in mine))
    titles = [header] + columns + (["command"] if len(commands) > 1 else []) + (["CPU"] if len(cpus) > 1 else [])
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    for row in rows:
        values = [cell.get((row, c), "") for c in columns]
        tail = ([f"`{first[row]['command']}`"] if len(commands) > 1 else []) + ([first[row]["cpu"]] if len(cpus) > 1 else [])
        lines.append("| " + " | ".join(escape_pipes(text) for text in [row] + values + tail) + " |")
    under = ([f"Command: `{commands[0]}`."] if len(commands) == 1 else []) + ([f"CPU: {cpus[0]}."] if len(cpus) == 1 else [])
    return "\n".join(lines) + "\n\n" + " ".join(under) + "\n"


def escape_pipes(cell):
    """A | inside a table cell, even in a code span, would end the cell."""
    return cell.replace("|", "\\|")


def markdown_files(root):
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(s for s in subfolders if s not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.endswith(".md"):
                yield os.path.join(folder, name)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of date")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args(argv)

    figures, problems = read_measurements(os.path.join(args.root, MEASUREMENTS))
    tables = list(dict.fromkeys(f["table"] for f in figures))
    shown, stale = set(), []
    for path in markdown_files(args.root):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        relative = os.path.relpath(path, args.root)

        def fill(match):
            table = match.group("table")
            shown.add(table)
            if table not in tables:
                problems.append(f"{relative}: table '{table}' is not in {MEASUREMENTS}")
                return match.group(0)
            body = render(table, match.group("header"), figures)
            if body != match.group("body"):
                stale.append(f"{relative}: table '{table}' is out of date; run python3 docs/figures.py")
            return match.group(1) + body + match.group(5)

        updated = BLOCK.sub(fill, text)
        if updated != text and not args.check and not problems:
            with open(path, "w", encoding="utf-8") as f:
                f.write(updated)
    problems += [f"{MEASUREMENTS}: table '{t}' is shown in no Markdown file" for t in tables if t not in shown]
    if args.check:
        problems += stale
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
