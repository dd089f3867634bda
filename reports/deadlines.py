"""The submission clock of reports, registered with the clock engine at start-up."""

from core.deadlines.subjects import clock_subject_register

clock_subject_register(
    "reports.submission",
    label="报表报送",
    url=lambda subject_id: f"/reports/submissions/{subject_id}/",
    kinds={"report_submit": "报表报送"},
)
