"""Spreadsheets are written by members/exports.py only (issue 14, code point 2):
no csv.writer, csv.DictWriter or openpyxl Workbook anywhere else in the project.
Reading spreadsheets (load_workbook, csv.reader) is fine."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITERS = re.compile(
    r"csv\.(writer|DictWriter)\(|\bWorkbook\(|import[^\n]*\bWorkbook\b"
)
SKIPPED = {".venv", "var", "tests", "node_modules", "media", "staticfiles", ".git"}
SHARED = Path("members/exports.py")
# Not the site's exports: issue 12's attack replay builds a poisoned import file.
NOT_EXPORTS = {Path("deploy/check/replay_attacks.py")}


def writers() -> set[Path]:
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in SKIPPED:
            continue
        if WRITERS.search(path.read_text(encoding="utf-8")):
            found.add(relative)
    return found


def test_spreadsheets_are_written_only_by_the_shared_export_module():
    found = writers()
    assert SHARED in found
    assert found - {SHARED} - NOT_EXPORTS == set()
