"""A report as a table: the columns of CSV and of the pages' data tables."""

from __future__ import annotations

import csv
import io
from typing import Any

from warroom.services.reports.figures import Report, Row

COLUMNS = (
    "key",
    "incidents",
    "acknowledged",
    "mitigated",
    "resolved",
    "mtta_seconds",
    "mttm_seconds",
    "mttr_seconds",
    "mttd_seconds",
    "ack_met",
    "ack_due",
    "ack_sla",
    "cadence_met",
    "cadence_due",
    "cadence_sla",
)


def _cells(row: Row) -> list[Any]:
    values = row.as_dict()
    return ["" if values[name] is None else values[name] for name in COLUMNS]


def csv_text(report: Report) -> str:
    """One line a group, then the total; a header line names the columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report.by.value if name == "key" else name for name in COLUMNS])
    for row in [*report.rows, report.total]:
        writer.writerow(_cells(row))
    return out.getvalue()
