"""Writers of the exports: CSV (streamed or to a file), XLSX and ODS.

- CSV: UTF-8 with a BOM, ';' separator, CRLF, dates 28/11/2026, decimal comma, produced in chunks of a
  few hundred rows so that a streamed response stays small in memory;
- XLSX: an openpyxl write-only workbook (rows go to disk as they come);
- ODS: odfpy builds the skeleton (styles, header row) and the rows are streamed into its content.xml,
  because odfpy keeps a whole document in memory.
A text cell that starts like a formula stays text in every format.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from ..models import ExportFile
from .tables import HOURS, Column, ExportError

CSV_ROWS_PER_CHUNK = 500
MAX_SPREADSHEET_ROWS = 1_000_000  # Excel and LibreOffice stop at 1 048 576 rows

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def decimal_comma(value: float) -> str:
    """1.5 → "1,5"; 2.0 → "2"; 0.333 → "0,33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return decimal_comma(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # A cell that starts like a formula is kept as text when the file is opened in a spreadsheet.
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(columns: list[Column], rows: Iterable[tuple]) -> Iterator[bytes]:
    """The CSV as byte chunks of a few hundred rows: UTF-8 with a BOM, ';', CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([str(column.label) for column in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([csv_cell(value) for value in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(spool: BinaryIO, title: str, columns: list[Column], rows: Iterable[tuple]) -> int:
    counted = _Counter(rows)
    for chunk in csv_chunks(columns, counted):
        spool.write(chunk)
    return counted.count


class _Counter:
    """Counts the rows that go through, without keeping them."""

    def __init__(self, rows: Iterable[tuple], limit: int | None = None):
        self.rows = rows
        self.count = 0
        self.limit = limit

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            if self.limit is not None and self.count > self.limit:
                raise ExportError(
                    _("Plus de %(limit)s lignes : trop pour un tableur, choisissez le format CSV.")
                    % {"limit": f"{self.limit:,}".replace(",", "\u202f")}
                )
            yield row


def write_xlsx(spool: BinaryIO, title: str, columns: list[Column], rows: Iterable[tuple]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_clean(str(column.label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def cell(value, column: Column):
        if isinstance(value, date):
            item = WriteOnlyCell(sheet, value=value)
            item.number_format = "DD/MM/YYYY"
            return item
        if isinstance(value, str):
            text = _clean(value)
            if not text:
                return None
            if text.startswith("="):  # text, never a formula
                item = WriteOnlyCell(sheet, value=text)
                item.data_type = "s"
                return item
            return text
        if isinstance(value, float) and column.kind == HOURS:
            item = WriteOnlyCell(sheet, value=value)
            item.number_format = "0.00"
            return item
        return value

    counted = _Counter(rows, MAX_SPREADSHEET_ROWS)
    try:
        for row in counted:
            sheet.append([cell(value, column) for value, column in zip(row, columns, strict=True)])
    except BaseException:
        sheet.close()  # ends openpyxl's row writer and its temporary file
        raise
    workbook.save(spool)
    return counted.count


_ODS_DATE_STYLE = "CapDate"
_ODS_HEADER_STYLE = "CapEntete"
_ODS_MARKER = "CAPNUM-ROWS-FOLLOW"


def _ods_skeleton(title: str, columns: list[Column]) -> bytes:
    """An ODS document made by odfpy: styles, column widths, the header row and one marker row where
    the data rows are streamed in."""
    from odf.number import DateStyle, Day, Month, Text, Year
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableCellProperties, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    date_format = DateStyle(name="CapDateFormat")
    date_format.addElement(Day(style="long"))
    date_format.addElement(Text(text="/"))
    date_format.addElement(Month(style="long"))
    date_format.addElement(Text(text="/"))
    date_format.addElement(Year(style="long"))
    document.styles.addElement(date_format)
    document.styles.addElement(Style(name=_ODS_DATE_STYLE, family="table-cell", datastylename="CapDateFormat"))
    header_style = Style(name=_ODS_HEADER_STYLE, family="table-cell")
    header_style.addElement(TextProperties(fontweight="bold"))
    header_style.addElement(TableCellProperties(wrapoption="wrap"))
    document.styles.addElement(header_style)
    sheet = Table(name=title)
    for index, column in enumerate(columns):
        width = Style(name=f"co{index}", family="table-column")
        width.addElement(TableColumnProperties(columnwidth=f"{column.width * 0.2:.1f}cm"))
        document.automaticstyles.addElement(width)
        sheet.addElement(TableColumn(stylename=width))
    header = TableRow()
    for column in columns:
        cell = TableCell(valuetype="string", stylename=_ODS_HEADER_STYLE)
        cell.addElement(P(text=_clean(str(column.label))))
        header.addElement(cell)
    sheet.addElement(header)
    marker = TableRow()
    marker_cell = TableCell(valuetype="string")
    marker_cell.addElement(P(text=_ODS_MARKER))
    marker.addElement(marker_cell)
    sheet.addElement(marker)
    document.spreadsheet.addElement(sheet)
    skeleton = io.BytesIO()
    document.save(skeleton)
    return skeleton.getvalue()


def _ods_cell(value) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, date):
        return (
            f'<table:table-cell table:style-name="{_ODS_DATE_STYLE}" office:value-type="date" '
            f'office:date-value="{value.isoformat()}"><text:p>{value:%d/%m/%Y}</text:p></table:table-cell>'
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = decimal_comma(value) if isinstance(value, float) else str(value)
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(_clean(str(value)))}</text:p></table:table-cell>'
    )


def _ods_rows(rows: Iterable[tuple]) -> Iterator[bytes]:
    lines = []
    for row in rows:
        lines.append("<table:table-row>" + "".join(_ods_cell(value) for value in row) + "</table:table-row>")
        if len(lines) == CSV_ROWS_PER_CHUNK:
            yield "".join(lines).encode("utf-8")
            lines = []
    yield "".join(lines).encode("utf-8")


def write_ods(spool: BinaryIO, title: str, columns: list[Column], rows: Iterable[tuple]) -> int:
    """odfpy keeps a whole document in memory: it makes the skeleton, and the rows are written into
    its content.xml as they are read, so that a large export stays small in memory."""
    counted = _Counter(rows, MAX_SPREADSHEET_ROWS)
    source_bytes = io.BytesIO(_ods_skeleton(title, columns))
    with zipfile.ZipFile(source_bytes) as source, zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():  # mimetype first and stored, as odfpy wrote it
            data = source.read(info)
            if info.filename != "content.xml":
                target.writestr(info, data)
                continue
            marker = data.index(_ODS_MARKER.encode())
            start = data.rindex(b"<table:table-row", 0, marker)
            end = data.index(b"</table:table-row>", marker) + len(b"</table:table-row>")
            entry = zipfile.ZipInfo("content.xml", date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w") as stream:
                stream.write(data[:start])
                for chunk in _ods_rows(counted):
                    stream.write(chunk)
                stream.write(data[end:])
    return counted.count


WRITERS: dict[str, Callable[[BinaryIO, str, list[Column], Iterable[tuple]], int]] = {
    ExportFile.Format.CSV: write_csv,
    ExportFile.Format.XLSX: write_xlsx,
    ExportFile.Format.ODS: write_ods,
}
