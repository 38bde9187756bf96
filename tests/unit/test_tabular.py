"""Staff import files (.csv, .xlsx) in, row-by-row reports out: headers found by title, cells as text."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import DomainError, ErrorCode
from core.tabular import TableRow, read_table, write_xlsx

COLUMNS: dict[str, list[str]] = {
    "id_number": ["身份证号", "证件号码", "idNumber"],
    "name": ["姓名", "name"],
    "score": ["成绩", "score"],
}


def xlsx(*sheets: Sequence[Sequence[object]], titles: Sequence[str] = ()) -> bytes:
    """An .xlsx with one worksheet per argument, each a list of rows (None = empty cell)."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(titles[index] if index < len(titles) else f"S{index}")
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def refused(data: bytes, filename: str, *, max_rows: int = 10000) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read_table(data, filename=filename, columns=COLUMNS, max_rows=max_rows)
    return caught.value


# ----------------------------------------------------------------------------------------------- csv


def test_csv_utf8_with_bom_is_read_by_header_titles() -> None:
    # Given a CSV as Excel saves it ("CSV UTF-8"): BOM, CRLF, columns in another order, an extra column
    data = "\ufeff姓名,备注,身份证号,成绩\r\n张三,无,11010519491231002X,85.5\r\n李四,,110105194912310037,90\r\n"
    # When
    rows = read_table(data.encode("utf-8"), filename="scores.CSV", columns=COLUMNS)
    # Then
    assert rows == [
        TableRow(2, {"id_number": "11010519491231002X", "name": "张三", "score": "85.5"}),
        TableRow(3, {"id_number": "110105194912310037", "name": "李四", "score": "90"}),
    ]
    assert rows[0]["name"] == "张三"


def test_csv_utf8_without_bom_is_read() -> None:
    data = "身份证号,姓名,成绩\n11010519491231002X,张三,60\n".encode()
    assert read_table(data, filename="a.csv", columns=COLUMNS)[0].values["name"] == "张三"


def test_csv_in_gb18030_is_read() -> None:
    # Given a CSV saved by a Chinese-locale Excel ("CSV (逗号分隔)"), which writes GBK
    data = "身份证号,姓名,成绩\n11010519491231002X,王小明,77\n".encode("gb18030")
    # When
    rows = read_table(data, filename="a.csv", columns=COLUMNS)
    # Then
    assert rows[0].values == {"id_number": "11010519491231002X", "name": "王小明", "score": "77"}


def test_csv_in_utf16_tab_separated_is_read() -> None:
    # Given Excel's "Unicode text" export: UTF-16 with BOM, tab-separated
    data = "身份证号\t姓名\t成绩\r\n11010519491231002X\t赵六\t66\r\n".encode("utf-16")
    rows = read_table(data, filename="a.csv", columns=COLUMNS)
    assert rows[0].values["name"] == "赵六"


def test_csv_header_titles_match_trimmed_case_insensitive_and_marked_required() -> None:
    # Given English titles in odd case, spaces, a full-width colon and a "*" that marks a required column
    data = " IDNUMBER ,*Name, Score：\n11010519491231002X,Tom,88\n".encode()
    rows = read_table(data, filename="a.csv", columns=COLUMNS)
    assert rows[0].values == {"id_number": "11010519491231002X", "name": "Tom", "score": "88"}


def test_csv_header_below_a_title_row_and_row_numbers_as_the_user_sees_them() -> None:
    # Given a title line, a blank line, then the header on line 3; a blank row in the data
    data = (
        "2025年第一期成绩导入,,\n"
        ",,\n"
        "证件号码,姓名,成绩\n"
        "11010519491231002X,张三,85\n"
        ",,\n"
        "  ,\t,\n"
        "110105194912310037,李四,90\n"
    )
    # When
    rows = read_table(data.encode(), filename="a.csv", columns=COLUMNS)
    # Then blank rows are skipped and numbers are the file's
    assert [row.row_number for row in rows] == [4, 7]


def test_csv_quoted_cells_keep_commas_and_values_are_trimmed() -> None:
    data = '身份证号,姓名,成绩\n 11010519491231002X ,"Smith, John", 70 \n'.encode()
    assert read_table(data, filename="a.csv", columns=COLUMNS)[0].values == {
        "id_number": "11010519491231002X",
        "name": "Smith, John",
        "score": "70",
    }


def test_csv_semicolon_separated_is_read() -> None:
    data = "身份证号;姓名;成绩\n11010519491231002X;张三;70\n".encode()
    assert read_table(data, filename="a.csv", columns=COLUMNS)[0].values["score"] == "70"


def test_csv_short_row_reads_missing_cells_as_blank() -> None:
    data = "身份证号,姓名,成绩\n11010519491231002X,张三\n".encode()
    assert read_table(data, filename="a.csv", columns=COLUMNS)[0].values["score"] == ""


def test_csv_undecodable_bytes_are_refused() -> None:
    # Given bytes that are neither UTF-8 nor GB18030
    error = refused(b"\x81\x20\x81\x20\xff\xff\xff", "a.csv")
    assert error.code is ErrorCode.IMPORT_FILE_INVALID


# ---------------------------------------------------------------------------------------------- xlsx


def test_xlsx_cells_are_stringified_sensibly() -> None:
    # Given numbers as Excel stores them: a score 85.0, an 18-digit ID number typed as a number
    # (Excel keeps 15 significant digits), a date, a date-time, a time, a boolean
    columns = {
        "id_number": ["身份证号"],
        "score": ["成绩"],
        "exam_date": ["考试日期"],
        "signed_at": ["签到时间"],
        "start": ["开始"],
        "passed": ["合格"],
        "ratio": ["比例"],
    }
    data = xlsx(
        [
            ["身份证号", "成绩", "考试日期", "签到时间", "开始", "合格", "比例"],
            [110105194912310037, 85.0, date(2025, 3, 15), datetime(2025, 3, 15, 8, 30), time(9, 0), True, 0.125],
            [1.10105194912310e17, 59.5, datetime(2025, 3, 16), None, None, False, 1e-7],
        ]
    )
    # When
    rows = read_table(data, filename="scores.xlsx", columns=columns)
    # Then
    assert rows[0].values == {
        "id_number": "110105194912310000",  # stored as 1.1010519491231E+17, as Excel does: no sci notation
        "score": "85",
        "exam_date": "2025-03-15",
        "signed_at": "2025-03-15 08:30:00",
        "start": "09:00:00",
        "passed": "TRUE",
        "ratio": "0.125",
    }
    assert rows[1].values["id_number"] == "110105194912310000"
    assert rows[1].values["score"] == "59.5"
    assert rows[1].values["exam_date"] == "2025-03-16"
    assert rows[1].values["passed"] == "FALSE"
    assert rows[1].values["ratio"] == "0.0000001"


def test_xlsx_text_cells_keep_leading_zeros_and_x() -> None:
    data = xlsx([["身份证号", "姓名", "成绩"], ["11010519491231002X", "张三", "085"]])
    assert read_table(data, filename="a.xlsx", columns=COLUMNS)[0].values == {
        "id_number": "11010519491231002X",
        "name": "张三",
        "score": "085",
    }


def test_xlsx_header_below_title_rows_and_gaps_keep_file_row_numbers() -> None:
    # Given a merged-looking title in row 1, an empty row 2, the header in row 3 and a gap in the data
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "2025年第一期安全考核成绩"
    sheet.append([])
    sheet["A3"], sheet["B3"], sheet["C3"] = "姓名", "证件号码", "成绩"
    sheet["A4"], sheet["B4"], sheet["C4"] = "张三", "11010519491231002X", 80
    sheet["A7"], sheet["B7"], sheet["C7"] = "李四", "110105194912310037", 90
    sheet["F9"] = "制表人：王五"  # a note outside our columns: not a data row
    out = io.BytesIO()
    workbook.save(out)
    # When
    rows = read_table(out.getvalue(), filename="a.xlsx", columns=COLUMNS)
    # Then
    assert [(row.row_number, row.values["name"]) for row in rows] == [(4, "张三"), (7, "李四")]


def test_xlsx_data_on_a_later_sheet_is_found() -> None:
    # Given an instruction sheet first, the data on the second
    data = xlsx(
        [["填写说明"], ["1. 身份证号必填"]],
        [["身份证号", "姓名", "成绩"], ["11010519491231002X", "张三", 60]],
        titles=["说明", "数据"],
    )
    rows = read_table(data, filename="a.xlsx", columns=COLUMNS)
    assert rows == [TableRow(2, {"id_number": "11010519491231002X", "name": "张三", "score": "60"})]


def test_xlsx_formula_cells_read_as_their_cached_value_or_blank() -> None:
    # Given a formula never calculated by Excel (openpyxl writes no cached value)
    data = xlsx([["身份证号", "姓名", "成绩"], ["11010519491231002X", "张三", "=40+40"]])
    rows = read_table(data, filename="a.xlsx", columns=COLUMNS)
    assert rows[0].values["score"] == ""


def test_optional_column_may_be_absent() -> None:
    data = xlsx([["身份证号", "姓名"], ["11010519491231002X", "张三"]])
    rows = read_table(data, filename="a.xlsx", columns=COLUMNS, optional={"score"})
    assert rows[0].values == {"id_number": "11010519491231002X", "name": "张三", "score": ""}


# ------------------------------------------------------------------------------------------- refusals


def test_missing_required_header_is_refused_naming_the_column() -> None:
    # Given a file without a score column
    data = xlsx([["身份证号", "姓名"], ["11010519491231002X", "张三"]])
    # When
    error = refused(data, "a.xlsx")
    # Then
    assert error.code is ErrorCode.IMPORT_FILE_INVALID
    assert error.detail is not None and "成绩" in error.detail


def test_missing_headers_in_csv_are_all_named() -> None:
    error = refused("姓名\n张三\n".encode(), "a.csv")
    assert error.code is ErrorCode.IMPORT_FILE_INVALID
    assert error.detail is not None and "身份证号" in error.detail and "成绩" in error.detail


def test_duplicate_header_is_refused() -> None:
    error = refused("身份证号,证件号码,姓名,成绩\n1,2,张三,60\n".encode(), "a.csv")
    assert error.code is ErrorCode.IMPORT_FILE_INVALID
    assert error.detail is not None and "证件号码" in error.detail


def test_more_rows_than_allowed_are_refused() -> None:
    # Given 4 data rows and a limit of 3
    data = xlsx([["身份证号", "姓名", "成绩"], *[[f"id{i}", "张三", 60] for i in range(4)]])
    # When
    error = refused(data, "a.xlsx", max_rows=3)
    # Then
    assert error.code is ErrorCode.IMPORT_FILE_INVALID


def test_rows_up_to_the_limit_are_accepted_and_blank_rows_do_not_count() -> None:
    data = "身份证号,姓名,成绩\n1,a,1\n,,\n2,b,2\n,,\n3,c,3\n".encode()
    assert len(read_table(data, filename="a.csv", columns=COLUMNS, max_rows=3)) == 3


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "a.xlsx"),
        (b"", "a.csv"),
        (b"PK\x03\x04 truncated zip", "a.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "a.xlsx"),  # an old .xls renamed
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "a.xls"),
        ("身份证号,姓名,成绩\n".encode(), "a.txt"),
        ("身份证号,姓名,成绩\n".encode(), "no_extension"),
        (b"%PDF-1.4 not a table", "a.pdf"),
    ],
)
def test_unreadable_file_or_wrong_type_is_refused(data: bytes, filename: str) -> None:
    assert refused(data, filename).code is ErrorCode.IMPORT_FILE_INVALID


def test_zip_that_is_no_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert refused(out.getvalue(), "a.xlsx").code is ErrorCode.IMPORT_FILE_INVALID


def test_csv_with_nul_bytes_is_refused() -> None:
    assert refused("身份证号,姓名,成绩\n1,\x00,2\n".encode(), "a.csv").code is ErrorCode.IMPORT_FILE_INVALID


def test_empty_sheet_is_refused_for_missing_headers() -> None:
    assert refused(xlsx([]), "a.xlsx").code is ErrorCode.IMPORT_FILE_INVALID


def test_header_only_file_gives_no_rows() -> None:
    assert read_table("身份证号,姓名,成绩\n".encode(), filename="a.csv", columns=COLUMNS) == []


def test_same_title_for_two_fields_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        read_table(b"a\n", filename="a.csv", columns={"a": ["编号"], "b": ["编号"]})


# ---------------------------------------------------------------------------------------------- write


def test_write_xlsx_round_trips_through_read_table() -> None:
    # Given an import report
    headers = {"row": "行号", "id_number": "身份证号", "name": "姓名", "result": "导入结果"}
    rows = [
        {"row": 2, "id_number": "11010519491231002X", "name": "张三", "result": "成功"},
        {"row": 3, "id_number": "110105194912310037", "name": "李四", "result": "身份证号码不正确"},
    ]
    # When
    data = write_xlsx(rows, headers=headers)
    # Then
    back = read_table(
        data,
        filename="report.xlsx",
        columns={key: [title] for key, title in headers.items()},
    )
    assert [row.values for row in back] == [{key: str(value) for key, value in row.items()} for row in rows]


def test_write_xlsx_types_and_safety() -> None:
    # Given values of each kind, one that looks like a formula, a control character, a missing key
    headers = {
        "text": "文本",
        "big": "大整数",
        "int": "整数",
        "float": "小数",
        "day": "日期",
        "at": "时间",
        "flag": "是否",
    }
    rows: list[dict[str, object]] = [
        {
            "text": '=HYPERLINK("http://evil")\x07',
            "big": 110105194912310037,
            "int": 42,
            "float": 85.5,
            "day": date(2025, 3, 15),
            "at": datetime(2025, 3, 15, 1, 0, tzinfo=UTC),
            "flag": True,
        },
        {"text": None},
    ]
    # When
    data = write_xlsx(rows, headers=headers, sheet_title="导入结果/2025")
    # Then
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "导入结果_2025"
    assert [cell.value for cell in sheet[1]] == list(headers.values())
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    formula_like = sheet["A2"]
    assert formula_like.data_type == "s" and formula_like.value == '=HYPERLINK("http://evil")'
    assert sheet["B2"].value == "110105194912310037"  # text: all 18 digits survive
    assert sheet["C2"].value == 42
    assert sheet["D2"].value == 85.5
    assert sheet["E2"].value == datetime(2025, 3, 15)
    assert sheet["F2"].value == datetime(2025, 3, 15, 9, 0)  # Beijing time, tz dropped for Excel
    assert sheet["G2"].value is True
    assert all(cell.value is None for cell in sheet[3])


def test_write_xlsx_with_no_rows_has_the_header_only() -> None:
    data = write_xlsx([], headers={"a": "甲", "b": "乙"})
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.max_row == 1
    assert [cell.value for cell in sheet[1]] == ["甲", "乙"]


def test_write_xlsx_timedelta_and_other_objects_become_text() -> None:
    data = write_xlsx([{"a": timedelta(minutes=90), "b": ErrorCode.SCORE_INVALID}], headers={"a": "时长", "b": "代码"})
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet["A2"].value == "1:30:00"
    assert sheet["B2"].value == "SCORE_INVALID"
