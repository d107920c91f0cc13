#!/usr/bin/python3
"""Checks the translations: po/POTFILES.in lists every source file with translatable
strings (and only existing files), and every language in po/LINGUAS is complete
(no untranslated or fuzzy messages, msgfmt --check passes).

Usage: check-po.py SOURCE_ROOT [MSGFMT]
"""
import os
import re
import subprocess
import sys

MARKERS = re.compile(r'(^|[^A-Za-z_])(_|N_|g_dngettext) ?\("|translatable="yes"|<_[a-z]')
SOURCE_DIRS = ("app", "widgets", "data")
SUFFIXES = (".c", ".ui", ".in", ".xml")


def listed_files(root):
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def files_with_strings(root):
    found = set()
    for top in SOURCE_DIRS:
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if MARKERS.search(text) or (name.endswith(".gschema.xml") and "<summary" in text):
                    found.add(os.path.relpath(path, root))
    return found


def main():
    root = sys.argv[1]
    msgfmt = sys.argv[2] if len(sys.argv) > 2 else "msgfmt"
    problems = []

    listed = listed_files(root)
    if listed != sorted(listed):
        problems.append("po/POTFILES.in is not sorted")
    for path in listed:
        if not os.path.exists(os.path.join(root, path)):
            problems.append(f"po/POTFILES.in lists {path}, which does not exist")
    for path in sorted(files_with_strings(root) - set(listed)):
        problems.append(f"{path} has translatable strings but is not in po/POTFILES.in")

    with open(os.path.join(root, "po", "LINGUAS"), encoding="utf-8") as f:
        languages = f.read().split()
    for lang in languages:
        po = os.path.join(root, "po", lang + ".po")
        r = subprocess.run([msgfmt, "--check", "--statistics", "-o", os.devnull, po],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        stats = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        if r.returncode != 0:
            problems.append(f"{po}: msgfmt --check failed: {r.stderr.strip()}")
        elif "fuzzy" in stats or "untranslated" in stats:
            problems.append(f"{po} is incomplete: {stats}")
        else:
            print(f"{lang}: {stats}")

    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
