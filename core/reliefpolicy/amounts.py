"""The one parser of relief amounts (yuan): pages, the API, cases, payments, holiday gifts and the
district's limits all read money through ``parse_amount``.

Accepted: ASCII digits with an optional decimal point and at most two decimals ("1200", "812.50"),
thousands separators "," / "，" between digit groups ("1,200.50"), and the full-width forms Chinese
IMEs type ("１２００．５０", "１，２００"). Surrounding spaces (also the ideographic space) are ignored.

Refused with a clear error (``ValidationError`` on the caller's field, "中文 / English"): anything
else — exponents ("1E2"), underscores ("1_000"), other scripts' digits (Arabic-Indic "٣٠٠"), signs
other than a leading minus (then "不能为负数"), "NaN"/"Infinity", more than two decimals (never
rounded), and amounts above ``MAX_AMOUNT``. ``Decimal`` and ``int`` values are checked the same way;
a ``float`` is read from its shortest repr ("0.1", never 0.1000000000000000055...).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

MAX_AMOUNT = Decimal("1000000.00")
FEN = Decimal("0.01")

# Full-width digits, point, comma and minus -> ASCII (what Chinese input methods produce).
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "，": ",", "－": "-"})
# Digits in groups of three behind the first group, or plain digits; optional decimals (checked apart).
_SHAPE = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?", re.ASCII)

INVALID = "金额格式不正确，请填写数字，如 1200 或 812.50 / invalid amount: digits like 1200 or 812.50"


def parse_amount(value, field: str, *, allow_zero: bool = True) -> Decimal:
    """Yuan as ``Decimal`` exact to the fen (quantized to 0.01) from a string, int, Decimal or float.

    Raises ``ValidationError({field: [message]})`` for a malformed amount, more than two decimals,
    a negative amount, zero when ``allow_zero`` is False, or more than ``MAX_AMOUNT`` yuan.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: [INVALID]}, code="invalid")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, Decimal):
        amount = value if value.is_finite() else None
    else:
        text = str(value).translate(_FULL_WIDTH).strip().replace("\u3000", "").strip()
        amount = None
        if _SHAPE.fullmatch(text):
            try:
                amount = Decimal(text.replace(",", ""))
            except (InvalidOperation, ValueError):
                amount = None
    if amount is None:
        raise ValidationError({field: [INVALID]}, code="invalid")
    if amount < 0:
        raise ValidationError({field: ["金额不能为负数 / the amount may not be negative"]}, code="invalid")
    if amount > MAX_AMOUNT:
        raise ValidationError({field: ["金额过大，请核对 / the amount is implausibly large"]}, code="invalid")
    if amount != amount.quantize(FEN):
        raise ValidationError({field: ["金额最多两位小数（精确到分）/ at most two decimals (fen)"]}, code="invalid")
    if amount == 0 and not allow_zero:
        raise ValidationError({field: ["金额必须大于0 / the amount must be positive"]}, code="invalid")
    return amount.quantize(FEN)
