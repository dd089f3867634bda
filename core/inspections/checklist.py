"""The plan's inspection checklist (五(二)2) as a table: every visit answers every item.

Each row: code, section, label, default days to fix a hazard (the problem's deadline), and the
need a hazard usually implies (offered in the visit form, never added silently).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    section: str
    label: str
    fix_days: int
    suggested_need: str = ""


SECTIONS = {"housing": "居住环境", "living": "生活保障", "heating": "取暖条件"}

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("housing_sealing", "housing", "房屋密封与保温", 7, "house_repair"),
    ChecklistItem("wiring_ageing", "housing", "电路老化", 3, "house_repair"),
    ChecklistItem("wiring_illegal", "housing", "私拉乱接等用电隐患", 3),
    ChecklistItem("gas_safety", "housing", "燃气使用安全", 1),
    ChecklistItem("structure", "housing", "房屋结构稳固性", 3, "house_repair"),
    ChecklistItem("clothing_amount", "living", "棉衣、棉鞋等御寒衣物充足度", 7, "clothing"),
    ChecklistItem("clothing_warmth", "living", "御寒衣物保暖效果", 7, "clothing"),
    ChecklistItem("food_stock", "living", "米面油等基础生活物资存量", 3, "food"),
    ChecklistItem("emergency_medicine", "living", "应急医疗物资配备", 3, "medicine"),
    ChecklistItem(
        "heating_equipment", "heating", "暖气、电暖器等取暖设备完好与使用安全", 3, "heating_equipment"
    ),
    ChecklistItem("heating_fee", "heating", "无力缴纳取暖费", 7, "heating_fee"),
)
CHECKLIST_BY_CODE = {item.code: item for item in CHECKLIST}
ITEM_CHOICES = [(item.code, item.label) for item in CHECKLIST]
# Problems raised by other ledgers than a visit's checklist (they are not asked on visits).
RELIEF_PAYMENT_ITEM = "relief_payment"
PROBLEM_ITEM_CHOICES = [*ITEM_CHOICES, (RELIEF_PAYMENT_ITEM, "救助金未足额按时发放")]

RESULT_OK, RESULT_HAZARD, RESULT_NA = "ok", "hazard", "na"
RESULT_CHOICES = [(RESULT_OK, "正常"), (RESULT_HAZARD, "存在问题"), (RESULT_NA, "不适用")]

NEED_TYPE_CHOICES = [
    ("clothing", "御寒衣物"),
    ("bedding", "棉被褥"),
    ("food", "米面油"),
    ("medicine", "药品"),
    ("heating_equipment", "取暖设备"),
    ("heating_fee", "取暖费"),
    ("house_repair", "房屋修缮"),
    ("temporary_assistance", "临时救助"),
    ("care", "生活照料"),
    ("other", "其他"),
]
URGENCY_CHOICES = [("normal", "一般"), ("urgent", "紧急"), ("critical", "特急")]


def sections() -> list[tuple[str, str, list[ChecklistItem]]]:
    return [(key, label, [i for i in CHECKLIST if i.section == key]) for key, label in SECTIONS.items()]
