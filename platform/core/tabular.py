"""Staff import files in, row-by-row reports out: .csv and .xlsx, no Django, no database.

`read_table` finds the header row by its titles (our field → the titles users write, Chinese or
English), then returns one `TableRow` per non-blank data row with every cell as text, numbered as the
user sees the row in the file. Anything wrong with the file itself raises
`DomainError(IMPORT_FILE_INVALID, detail=…)`; checking the values is the caller's job, row by row.

`write_xlsx` writes the rows back (an import report with a result column, an export).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Generator, Iterator, Mapping, Sequence
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.errors import DomainError, ErrorCode

__all__ = ["HEADER_SEARCH_ROWS", "MAX_XLSX_UNCOMPRESSED_BYTES", "TableRow", "read_table", "write_xlsx"]

HEADER_SEARCH_ROWS = 20  # the header may sit below a title row or two; it is looked for this far down
MAX_XLSX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
BEIJING = ZoneInfo("Asia/Shanghai")

_CSV_DELIMITERS = (",", "\t", ";")
_EXCEL_INT_DIGITS = 15  # Excel keeps 15 significant digits: longer integers are written as text


@dataclass(frozen=True)
class TableRow:
    """One data row: `row_number` is the row as the user sees it (1-based, the header row counted)."""

    row_number: int
    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values[name]


def _invalid(detail: str) -> DomainError:
    return DomainError(ErrorCode.IMPORT_FILE_INVALID, detail=detail)


# ----------------------------------------------------------------------------------------- reading


def read_table(
    data: bytes,
    *,
    filename: str,
    columns: Mapping[str, Sequence[str]],
    max_rows: int = 10000,
    optional: Collection[str] = (),
) -> list[TableRow]:
    """Read an uploaded .csv or .xlsx into rows of text keyed by our field names.

    `columns` maps each field to the header titles accepted for it; titles match trimmed and
    case-insensitively (also ignoring inner spaces, full-width forms and a leading ``*`` that
    templates use to mark required columns). Every field is required unless named in `optional`;
    an absent optional column reads as "". Columns not named are ignored. Rows whose fields are all
    blank are skipped; more than `max_rows` data rows is refused.

    For .xlsx, the first worksheet (active one first) with a complete header is read; cached formula
    results are used. Cells become text: 1.0 → "1", 1.10101199003071E+17 → "110101199003071000",
    dates → "2024-03-01", date-times → "2024-03-01 08:30:00", TRUE/FALSE for booleans.
    """
    if not columns:
        raise ValueError("read_table needs at least one column")
    unknown = set(optional) - set(columns)
    if unknown:
        raise ValueError(f"optional names unknown columns: {sorted(unknown)}")
    if not data:
        raise _invalid("文件为空")
    lookup = _title_lookup(columns)
    required = [name for name in columns if name not in optional]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        sheets: Iterator[Iterator[Sequence[object]]] = iter([iter(_csv_rows(data))])
    elif extension in ("xlsx", "xlsm"):
        sheets = _xlsx_sheets(data)
    else:
        raise _invalid("仅支持 .xlsx 或 .csv 文件")

    best_missing: list[str] | None = None
    with closing(sheets) if isinstance(sheets, Generator) else nullcontext():
        for sheet in sheets:
            found = _locate_header(sheet, lookup, required)
            if isinstance(found, list):
                if best_missing is None or len(found) < len(best_missing):
                    best_missing = found
                continue
            header_number, positions = found
            return _data_rows(sheet, header_number, positions, list(columns), max_rows)
    missing = best_missing if best_missing is not None else required
    titles = "、".join(columns[name][0] if columns[name] else name for name in missing)
    raise _invalid(f"缺少列：{titles}")


def _normalise_title(title: object) -> str:
    text = unicodedata.normalize("NFKC", _cell_text(title))
    return re.sub(r"\s+", "", text).strip("*＊:：").casefold()


def _title_lookup(columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, titles in columns.items():
        for title in (*titles, name):
            key = _normalise_title(title)
            if key and lookup.setdefault(key, name) != name:
                raise ValueError(f"header title {title!r} is given for both {lookup[key]!r} and {name!r}")
    return lookup


def _locate_header(
    rows: Iterator[Sequence[object]], lookup: Mapping[str, str], required: Sequence[str]
) -> tuple[int, dict[str, int]] | list[str]:
    """(header row number, field → column index), or the required fields missing from the best candidate."""
    best_missing = list(required)
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        row = next(rows, None)
        if row is None:
            break
        positions: dict[str, int] = {}
        duplicates: list[str] = []
        for index, cell in enumerate(row):
            name = lookup.get(_normalise_title(cell))
            if name is None:
                continue
            if name in positions:
                duplicates.append(_cell_text(cell))
            else:
                positions[name] = index
        missing = [name for name in required if name not in positions]
        if not missing and positions:
            if duplicates:
                raise _invalid(f"第{number}行表头重复：{'、'.join(duplicates)}")
            return number, positions
        if len(missing) < len(best_missing):
            best_missing = missing
    return best_missing


def _data_rows(
    rows: Iterator[Sequence[object]],
    header_number: int,
    positions: Mapping[str, int],
    names: Sequence[str],
    max_rows: int,
) -> list[TableRow]:
    result: list[TableRow] = []
    for number, row in enumerate(rows, start=header_number + 1):
        values = {
            name: _cell_text(row[positions[name]]) if name in positions and positions[name] < len(row) else ""
            for name in names
        }
        if not any(values.values()):
            continue
        if len(result) >= max_rows:
            raise _invalid(f"数据超过{max_rows}行，请分批导入")
        result.append(TableRow(row_number=number, values=values))
    return result


def _csv_rows(data: bytes) -> list[Sequence[object]]:
    text = _decode(data)
    if "\x00" in text:
        raise _invalid("文件内容无法识别")
    sample = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    counts = {d: sum(line.count(d) for line in sample) for d in _CSV_DELIMITERS}
    delimiter = max(_CSV_DELIMITERS, key=lambda d: (counts[d], d == ","))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _invalid("CSV 文件格式不正确") from exc


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _invalid("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")


def _xlsx_sheets(data: bytes) -> Generator[Iterator[Sequence[object]], None, None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise _invalid("文件过大")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception as exc:  # BadZipFile, KeyError, ValueError, OSError … all mean "not a readable xlsx"
        raise _invalid("无法读取 Excel 文件，请使用 .xlsx 格式") from exc
    try:
        sheets = list(workbook.worksheets)
        active = workbook.active
        if active in sheets:
            sheets.remove(active)
            sheets.insert(0, active)
        for sheet in sheets:
            if not hasattr(sheet, "iter_rows"):  # a chartsheet
                continue
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # some writers declare a wrong size; read what is there
            yield _guarded(iter(sheet.iter_rows(values_only=True)))
    finally:
        workbook.close()


def _guarded(rows: Iterator[Sequence[object]]) -> Iterator[Sequence[object]]:
    """Turn a parser failure in the middle of the sheet into IMPORT_FILE_INVALID."""
    try:
        yield from rows
    except DomainError:
        raise
    except Exception as exc:
        raise _invalid("Excel 文件内容已损坏") from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _number_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    try:
        return _decimal_text(Decimal(repr(value)))  # repr: the shortest text that reads back the same
    except InvalidOperation:
        return repr(value)


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ----------------------------------------------------------------------------------------- writing


def write_xlsx(
    rows: Sequence[Mapping[str, object]],
    *,
    headers: Mapping[str, str],
    sheet_title: str = "Sheet1",
) -> bytes:
    """One sheet: a bold header row of `headers` titles (in their order), then one row per mapping.

    Text stays text (a value starting with "=" is never a formula; control characters are dropped),
    integers longer than 15 digits are written as text so Excel keeps every digit, dates and
    date-times get a date format (aware ones in Beijing time), None and missing keys are blank.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_title(sheet_title)
    keys = list(headers)
    widths = [_display_width(headers[key]) for key in keys]
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for column, key in enumerate(keys, start=1):
        cell = sheet.cell(row=1, column=column)
        assert isinstance(cell, Cell)
        _set_value(cell, headers[key])
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row_index, row in enumerate(rows, start=2):
        for column, key in enumerate(keys, start=1):
            value = row.get(key)
            cell = sheet.cell(row=row_index, column=column)
            assert isinstance(cell, Cell)
            _set_value(cell, value)
            widths[column - 1] = max(widths[column - 1], _display_width(_cell_text(cell.value)))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _set_value(cell: Cell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int):
        if len(str(abs(value))) > _EXCEL_INT_DIGITS:
            _set_text(cell, str(value))
        else:
            cell.value = value
    elif isinstance(value, (float, Decimal)):
        cell.value = value
    elif isinstance(value, datetime):
        moment = value.astimezone(BEIJING).replace(tzinfo=None) if value.tzinfo is not None else value
        cell.value = moment
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        _set_text(cell, str(value))


def _set_text(cell: Cell, text: str) -> None:
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    cell.number_format = "@"


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", title).strip("'") or "Sheet1"
    return cleaned[:31]


def _display_width(text: str) -> int:
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)
