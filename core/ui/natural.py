"""Natural order of names people read: 9号楼 before 10号楼, 第二网格 before 第三网格 and 第十一网格."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"\d+|[零〇一二两三四五六七八九十百]+")


def _chinese_number(text: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十三 -> 23, 一百零五 -> 105 (numbers as names use them)."""
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _DIGITS[char] if current and text.find("十") < 0 and "百" not in text else _DIGITS[char]
    return total + current


def natural_key(text: str) -> tuple:
    """A sort key comparing embedded numbers (Arabic or Chinese) by value, the rest as text."""
    key: list = []
    position = 0
    for match in _NUMBER.finditer(text or ""):
        key.append((0, text[position:match.start()]))
        number = match.group()
        key.append((1, int(number) if number.isdigit() else _chinese_number(number)))
        position = match.end()
    key.append((0, (text or "")[position:]))
    return tuple(key)
