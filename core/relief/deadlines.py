"""Relief clocks (cases, weekly patrols), registered with the clock engine at start-up."""

from core.deadlines.subjects import clock_subject_register

clock_subject_register(
    "relief.reliefcase",
    label="救助案件",
    url=lambda subject_id: f"/relief/cases/{subject_id}/",
    kinds={
        "relief_whole": "救助审核确认",
        "relief_decide": "救助审批",
        "relief_help": "先行救助",
        "relief_paperwork": "补办救助手续",
        "relief_confirm": "公示后确认",
        "relief_refusal": "不予批准书面告知",
    },
)
clock_subject_register(
    "relief.patrolweek",
    label="街面巡查",
    url=lambda subject_id: "/relief/patrols/",
    kinds={"patrol_week": "每周街面巡查"},
)
