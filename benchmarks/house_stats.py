"""Figures of the house (issue 8's before/after table): the largest files, the median function length of app
code, and the pairs of repeated blocks (six or more lines) in app code.

    .venv/bin/python benchmarks/house_stats.py [--root DIR] [--rev REV]

App code is every app package (a top-level folder with an __init__.py) except tests and benchmarks, without
migrations. A function's length is its lines from `def` to its last statement (decorators and docstring
included, as a reader sees it); nested functions count on their own. Repeated blocks come from the
`duplicates` tool when it is installed (run on the app folders only). With --rev, the figures are taken on
that commit's tree (git archive into a temporary folder) instead of the working tree.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

NOT_APPS = {"tests", "benchmarks", "templates", "static", "locale", "var", "bin", "docs"}


def app_files(root: Path) -> list[Path]:
    apps = [p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS]
    return sorted(
        f for app in apps for f in app.rglob("*.py") if "migrations" not in f.parts and "__pycache__" not in f.parts
    )


def function_lengths(files: list[Path]) -> list[int]:
    lengths = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lengths.append((node.end_lineno or node.lineno) - start + 1)
    return lengths


def largest(root: Path, most: int = 5) -> list[tuple[int, str]]:
    skip = {".venv", "var", "node_modules", ".git"}
    sizes = [
        (len(p.read_text(encoding="utf-8", errors="replace").splitlines()), str(p.relative_to(root)))
        for p in root.rglob("*.py")
        if not skip & set(p.relative_to(root).parts)
    ]
    return sorted(sizes, reverse=True)[:most]


def duplicate_pairs(root: Path) -> str:
    if not shutil.which("duplicates"):
        return "duplicates: not installed"
    apps = sorted({f.relative_to(root).parts[0] for f in app_files(root)})
    work = Path(tempfile.mkdtemp(prefix="house-apps-"))
    try:  # the app folders alone, without migrations, so tests and data do not count
        for f in app_files(root):
            target = work / f.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())
        out = subprocess.run(
            ["duplicates", "--repo", str(work), "--most", "200", "--seconds", "120"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return f"apps: {', '.join(apps)}\n{out.strip()}"


def report(root: Path) -> None:
    files = app_files(root)
    lengths = function_lengths(files)
    print("five largest .py files (lines):")
    for lines, name in largest(root):
        print(f"  {lines:6d}  {name}")
    print(f"app code: {len(files)} files, {len(lengths)} functions")
    print(f"median function length: {statistics.median(lengths):.0f} lines (mean {statistics.mean(lengths):.1f})")
    print(f"functions over 40 lines: {sum(1 for n in lengths if n > 40)}")
    print("repeated blocks (six or more lines) in app code:")
    print(duplicate_pairs(root))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--rev", help="take the figures on this commit instead of the working tree")
    args = parser.parse_args()
    if not args.rev:
        report(args.root)
        return
    with tempfile.TemporaryDirectory(prefix="house-rev-") as tmp:
        archive = subprocess.run(["git", "-C", str(args.root), "archive", args.rev], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        report(Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
