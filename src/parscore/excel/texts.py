"""Every sentence the Excel route says to a person, in Vietnamese (default) and English."""
from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "not_found": {"vi": "không tìm thấy tệp", "en": "file not found"},
    "unreadable": {"vi": "không đọc được tệp: {why}", "en": "cannot be read: {why}"},
    "not_regular": {"vi": "không phải tệp thông thường (thư mục, thiết bị, FIFO hoặc liên kết tới chúng); hãy chỉ ra một tệp .xlsx",
                    "en": "is not a regular file (a directory, device, FIFO or a link to one); give an .xlsx file"},
    "too_big": {"vi": "tệp dài {size} byte, vượt giới hạn {limit} byte", "en": "file is {size} bytes; the limit is {limit} bytes"},
    "not_xlsx": {"vi": "không phải sổ tính Excel (.xlsx); hãy lưu dưới dạng Excel Workbook (.xlsx) hoặc dùng tệp YAML",
                 "en": "is not an Excel workbook (.xlsx); save it as an Excel workbook or give a YAML file"},
    "damaged": {"vi": "không đọc được như một sổ tính Excel ({why}); mở bằng Excel và lưu lại dưới dạng .xlsx",
                "en": "cannot be read as an Excel workbook: {why}"},
    "too_many_parts": {"vi": "sổ tính có {n} phần nén, vượt giới hạn {limit}; đây không phải mẫu parscore — tạo lại bằng `parscore template`",
                       "en": "the workbook has {n} archive parts, more than {limit}; it is not a parscore template — generate one with `parscore template`"},
    "part_too_big": {"vi": "phần này giải nén ra {size} byte, vượt giới hạn {limit} byte; sổ tính quá lớn hoặc là tệp nén độc hại — chép số liệu sang mẫu mới tạo bằng `parscore template`",
                     "en": "this part inflates to {size} bytes, more than the {limit}-byte limit; the workbook is too large or a zip bomb — copy the data into a fresh `parscore template`"},
    "parts_too_big": {"vi": "các phần của sổ tính giải nén ra {size} byte, vượt giới hạn {limit} byte",
                      "en": "the workbook's parts inflate to {size} bytes, more than the {limit}-byte limit"},
    "dtd": {"vi": "phần này khai báo DOCTYPE/ENTITY, điều không có trong sổ tính Excel thật (có thể là tệp độc hại); chép số liệu sang mẫu mới tạo bằng `parscore template`",
            "en": "this part declares a DOCTYPE/ENTITY, which no real Excel workbook does (possibly a hostile file); copy the data into a fresh `parscore template`"},
    "outside": {"vi": "ô có dữ liệu nằm ngoài vùng của mẫu (quá dòng {rows} hoặc cột {cols}); xoá nội dung ô này",
                "en": "a cell with content lies outside the template (beyond row {rows} or column {cols}); clear this cell"},
    "not_template": {"vi": "không phải mẫu số liệu parscore (không có sheet _parscore); tạo mẫu bằng `parscore template`",
                     "en": "is not a parscore facts template (no _parscore sheet); generate one with `parscore template`"},
    "other_methodology": {"vi": "mẫu cho phương pháp {got!r}, không phải {want}; tạo lại mẫu bằng `parscore template`",
                          "en": "template for methodology {got!r}, not {want}"},
    "sheet_missing": {"vi": "thiếu sheet '{sheet}'; tạo lại mẫu bằng `parscore template` và chép số liệu sang",
                      "en": "sheet '{sheet}' is missing; regenerate the template"},
    "header": {"vi": "tiêu đề cột là {got!r}, phải là {want!r}; không sửa dòng tiêu đề",
               "en": "header is {got!r}, expected {want!r}; do not edit the header row"},
    "unknown_fact": {"vi": "mã số liệu {fact!r} không có trong danh mục; không sửa cột A",
                     "en": "unknown fact id {fact!r}; do not edit column A"},
    "unknown_item": {"vi": "mã tiêu chí {code!r} không có trong phương pháp; không sửa cột mã tiêu chí",
                     "en": "unknown sub-criterion {code!r}; do not edit the code column"},
    "rows_missing": {"vi": "thiếu dòng của {n} số liệu (ví dụ {fact}); tạo lại mẫu bằng `parscore template`",
                     "en": "rows for {n} facts are missing (e.g. {fact}); regenerate the template"},
    "year": {"vi": "cần năm đánh giá là một số như 2025 (ô đang có {got})", "en": "expected the year as a number such as 2025, got {got}"},
    "agency": {"vi": "cần mã cơ quan (B8) và tên cơ quan (B9)", "en": "agency code (B8) and name (B9) are required"},
    "duplicate": {"vi": "{what} {name!r} xuất hiện hai lần: ở {first} và ở {second}; giữ một dòng, xoá dòng kia",
                  "en": "{what} {name!r} appears twice: at {first} and at {second}; keep one row and delete the other"},
    "conflict": {"vi": "{what} {name!r} có hai giá trị khác nhau: {a} ở {first} và {b} ở {second}; thống nhất một giá trị",
                 "en": "{what} {name!r} has two different values: {a} at {first} and {b} at {second}; agree on one value"},
    "what_fact": {"vi": "số liệu", "en": "fact"},
    "what_item": {"vi": "tiêu chí", "en": "sub-criterion"},
    "what_agency": {"vi": "cơ quan / năm", "en": "agency / year"},
    # cell values
    "text_number": {"vi": "{fact}: ô chứa chữ {text!r} (kiểu văn bản), không phải số. Trong Excel tiếng Việt hãy gõ số vào ô định dạng "
                          "Number hoặc Percentage (ví dụ gõ 86,42 hoặc 86,42%), hoặc xoá dấu nháy đơn (') ở đầu ô; "
                          "parscore không tự đoán dấu phẩy, dấu chấm",
                    "en": "{fact}: the cell holds the text {text!r}, not a number. Type the number into a cell formatted as Number "
                          "or Percentage (Excel then stores a number), or remove the leading apostrophe ('); parscore does not "
                          "guess decimal or thousands separators"},
    "text_count": {"vi": "{fact}: ô chứa chữ {text!r} (kiểu văn bản), không phải số. Gõ số nguyên vào ô định dạng Number "
                         "(không gõ dấu phân cách hàng nghìn), hoặc xoá dấu nháy đơn (') ở đầu ô",
                   "en": "{fact}: the cell holds the text {text!r}, not a number. Type the whole number into a cell formatted as "
                         "Number (no thousands separators), or remove the leading apostrophe (')"},
    "percent_other": {"vi": "{fact}: ô định dạng phần trăm nhưng số liệu này tính bằng {unit}; bỏ định dạng % (Format Cells → Number) và gõ lại số",
                      "en": "{fact}: the cell is formatted as a percentage but this fact is in {unit}; remove the % format (Format Cells → Number) and type the number again"},
    "date_in_number": {"vi": "{fact}: ô định dạng ngày (Date) nhưng số liệu này là số; đổi định dạng ô sang Number rồi gõ lại số",
                       "en": "{fact}: the cell is formatted as a date but this fact is a number; format the cell as Number and type the number again"},
    "not_whole": {"vi": "{fact}: số đếm phải là số nguyên không âm, ô đang có {got}", "en": "{fact}: a count is a whole number ≥ 0, got {got}"},
    "pct_range": {"vi": "{fact}: tỷ lệ phải trong khoảng 0–100 %, ô đang có {got} (gõ 95 hoặc 95% cho 95 %)",
                  "en": "{fact}: a percentage lies within 0–100 %, got {got} (type 95 or 95% for 95 %)"},
    "below": {"vi": "{fact}: phải từ {limit} trở lên, ô đang có {got}", "en": "{fact}: must be at least {limit}, got {got}"},
    "above": {"vi": "{fact}: phải không quá {limit}, ô đang có {got}", "en": "{fact}: must be at most {limit}, got {got}"},
    "bad_value": {"vi": "{fact}: giá trị không hợp lệ: {why}", "en": "{fact}: {why}"},
    "bool": {"vi": "{fact}: cần chọn 'có' hoặc 'không' trong danh sách, ô đang có {got!r}",
             "en": "{fact}: choose 'yes' or 'no' from the list, got {got!r}"},
    "date": {"vi": "{what}: cần một ngày (gõ dd/mm/yyyy vào ô định dạng Date, ví dụ 28/11/2025), ô đang có {got!r}",
             "en": "{what}: expected a date (type dd/mm/yyyy into a Date cell, e.g. 28/11/2025), got {got!r}"},
    "points": {"vi": "điểm tự đánh giá của {code}: cần một số từ 0 đến {max} (điểm tối đa), ô đang có {got!r}",
               "en": "self-assessed points of {code}: expected a number from 0 to {max} (the maximum), got {got!r}"},
    "evidence_number": {"vi": "văn bản kiểm chứng cần số văn bản (cột F) khi đã ghi ngày hoặc cơ quan ban hành",
                        "en": "evidence needs its number (column F) when a date or issuer is given"},
    "evidence_lines": {"vi": "ô số văn bản có {n} dòng (mỗi văn bản một dòng) nhưng cột ngày, cơ quan ban hành hoặc trích yếu có nhiều dòng hơn",
                       "en": "the evidence number cell has {n} lines (one document per line) but the date, issuer or title column has more"},
    # writing
    "exists": {"vi": "tệp đã có, không ghi đè; xoá hoặc đổi tên tệp cũ, hoặc chọn thư mục khác",
               "en": "already exists and is not overwritten; remove or rename it, or choose another directory"},
    "split_needs_units": {"vi": "--split-by-unit cần tệp phân công đơn vị chủ trì (--units FILE)",
                          "en": "--split-by-unit needs a lead-unit assignment file (--units FILE)"},
    "wrote": {"vi": "đã ghi {path}", "en": "wrote {path}"},
    "unassigned_file": {"vi": "chua-phan-cong", "en": "unassigned"},
}


def msg(key: str, lang: str, **kw: Any) -> str:
    return MESSAGES[key]["en" if lang == "en" else "vi"].format(**kw)
