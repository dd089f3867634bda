"""Fill the English catalogue from deploy/i18n/en.tsv (Chinese msgid <TAB> English), then compile.

    python deploy/i18n/fill_en.py      # after `nuandong makemessages -l en`

Entries not in the table stay empty, so Django falls back to the Chinese original.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "core" / "ui" / "locale" / "en" / "LC_MESSAGES" / "django.po"
TABLE = Path(__file__).with_name("en.tsv")


def main() -> None:
    table = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            zh, en = line.split("\t", 1)
            table[zh] = en
    text = PO.read_text(encoding="utf-8")
    pattern = re.compile(r'^msgid "(.+)"\nmsgstr ""$', re.MULTILINE)
    text = pattern.sub(lambda m: f'msgid "{m.group(1)}"\nmsgstr "{table.get(m.group(1), "")}"', text)
    text = text.replace("#, fuzzy\n", "", 1)
    PO.write_text(text, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)


if __name__ == "__main__":
    main()
