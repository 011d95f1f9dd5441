"""Laws of the Excel route as properties: what a percent cell shows is what is read, and
any text written is read back as the same text (minus control characters), never a formula."""
from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from parscore import load_methodology
from parscore.excel import import_xlsx, sheet_name, write_template
from parscore.excel.safety import clean_text, put_text

M = load_methodology("par-province-892")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hundredths=st.integers(min_value=0, max_value=10_000), fmt=st.sampled_from(["0.00%", "0%", "0.0%", "0.00\\%", '0.00"%"']))
def test_a_percent_cell_is_read_as_the_percentage_it_shows(tmp_path_factory, hundredths, fmt):
    from openpyxl import load_workbook

    shown = Decimal(hundredths) / 100          # what Excel displays, e.g. 86.42 (%)
    path = tmp_path_factory.mktemp("p") / "t.xlsx"
    write_template(M, path)
    wb = load_workbook(path)
    info = wb["Hướng dẫn"]
    info["B8"], info["B9"], info["B10"] = "x", "X", 2025
    ws = wb[sheet_name("8", "vi")]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "sipas_policy_satisfaction")
    row[3].value, row[3].number_format = float(shown / 100), fmt   # what Excel stores
    wb.save(path)
    # an escaped or quoted % is a literal sign: Excel shows the stored number itself
    literal = fmt in ("0.00\\%", '0.00"%"')
    assert import_xlsx(path, M)[0].values["sipas_policy_satisfaction"] == (shown / 100 if literal else shown)


@SETTINGS
@given(text=st.text(min_size=1, max_size=60))
def test_any_text_is_written_as_text(tmp_path_factory, text):
    from openpyxl import Workbook, load_workbook

    path = tmp_path_factory.mktemp("t") / "t.xlsx"
    wb = Workbook()
    put_text(wb.active, 1, 1, text)
    wb.save(path)
    cell = load_workbook(path).active["A1"]
    want = clean_text(text)
    if not want:
        assert cell.value in (None, "")
        return
    assert cell.data_type == "s"
    # XML normalises a raw CR to a line feed; everything else comes back unchanged
    assert cell.value == re.sub("\r\n?", "\n", want) or cell.value == want
