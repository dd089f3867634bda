"""Fill the English catalogue from deploy/i18n/en.tsv (Chinese msgid <TAB> English), then compile.

    python deploy/i18n/fill_en.py      # after `nuandong makemessages -l en`

Both columns of en.tsv are plain text: write quotes as " (not \\"), the script escapes them for
the .po. Long msgids that makemessages wraps over several lines (`msgid ""` plus continuation
lines) are matched by their joined text, so en.tsv always holds the whole string on one line.

An entry found in the table gets its English (and loses any `fuzzy` flag and `#|` guess left by
msgmerge). Entries not in the table are left as they are; empty ones make Django fall back to the
Chinese original, and fuzzy ones are skipped by msgfmt.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "core" / "ui" / "locale" / "en" / "LC_MESSAGES" / "django.po"
TABLE = Path(__file__).with_name("en.tsv")

_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(raw: str) -> str:
    """The text of a .po string body (without the surrounding quotes)."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append(_UNESCAPE.get(raw[i + 1], raw[i + 1]))
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def read_table() -> dict[str, str]:
    table = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            zh, en = line.split("\t", 1)
            table[zh] = en
    return table


def fill_entry(block: str, table: dict[str, str]) -> str:
    body = block.rstrip("\n")
    filled = fill_lines(body.split("\n"), table)
    return block if filled is None else filled + block[len(body) :]


def fill_lines(lines: list[str], table: dict[str, str]) -> str | None:
    """The entry with its English from the table, or None to leave it unchanged."""
    if any(line.startswith(("#~", "msgid_plural", "msgctxt")) for line in lines):
        return None  # obsolete, plural or context entries: not used by this project
    parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
    key = None
    head: list[str] = []  # comments and msgid lines, kept as they are
    for line in lines:
        if line.startswith("msgid "):
            key = "msgid"
        elif line.startswith("msgstr "):
            key = "msgstr"
        if key is None or key == "msgid":
            head.append(line)
        if key is not None:
            body = line[len(key) + 1 :] if line.startswith(key + " ") else line
            parts[key].append(body.strip()[1:-1])
    msgid = unquote("".join(parts["msgid"]))
    if not msgid or msgid not in table:
        return None
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
    if not fuzzy and unquote("".join(parts["msgstr"])) == table[msgid]:
        return None  # already right: keep makemessages' line wrapping
    kept = []
    for line in head:
        if line.startswith("#|"):
            continue  # msgmerge's previous msgid for a fuzzy guess
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        kept.append(line)
    return "\n".join(kept + [f'msgstr "{quote(table[msgid])}"'])


def main() -> None:
    table = read_table()
    text = PO.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    blocks[0] = blocks[0].replace("#, fuzzy\n", "", 1)  # the header is not a guess
    text = "\n\n".join([blocks[0]] + [fill_entry(b, table) for b in blocks[1:]])
    PO.write_text(text, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)


if __name__ == "__main__":
    main()
