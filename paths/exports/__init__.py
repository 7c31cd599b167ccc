"""HR exports: assignment status per agent, training hours over a period, and the yearly training
figures of the rapport social unique (RSU).

- `tables`: parameters, their checks, and each export as columns and lazily read rows;
- `writers`: CSV (streamed), XLSX (openpyxl write-only) and ODS (odfpy skeleton, rows streamed);
- `files`: spreadsheets built by the `build_export` Celery task and kept as `ExportFile` rows.
"""

from .files import TECHNICAL_FAILURE, build_export, mark_failed, request_export
from .tables import (
    FIRST_YEAR,
    MAX_PERIOD_YEARS,
    Column,
    ExportError,
    HoursParameters,
    Parameters,
    SocialParameters,
    StatusParameters,
    filename_stem,
    hours_rows,
    parameters_from_json,
    period_errors,
    sheet_title,
    social_groups,
    social_rows,
    status_rows,
    table,
    year_errors,
)
from .writers import (
    MAX_SPREADSHEET_ROWS,
    WRITERS,
    csv_cell,
    csv_chunks,
    decimal_comma,
    write_csv,
    write_ods,
    write_xlsx,
)

__all__ = [
    "FIRST_YEAR",
    "MAX_PERIOD_YEARS",
    "MAX_SPREADSHEET_ROWS",
    "TECHNICAL_FAILURE",
    "WRITERS",
    "Column",
    "ExportError",
    "HoursParameters",
    "Parameters",
    "SocialParameters",
    "StatusParameters",
    "build_export",
    "csv_cell",
    "csv_chunks",
    "decimal_comma",
    "filename_stem",
    "hours_rows",
    "mark_failed",
    "parameters_from_json",
    "period_errors",
    "request_export",
    "sheet_title",
    "social_groups",
    "social_rows",
    "status_rows",
    "table",
    "write_csv",
    "write_ods",
    "write_xlsx",
    "year_errors",
]
