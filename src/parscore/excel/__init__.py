"""Excel: the facts template provincial staff fill in, its import, and the scorecard in
the self-assessment table MoHA uses. Written and read with openpyxl.

One module per concern:
- `safety`: opening a workbook within bounds, reading cells with their number format,
  writing user text so that it is never a formula;
- `template`: the template, and one template per lead unit;
- `reader`: import of one or several workbooks, merged;
- `scorecard`: the printable, re-importable scorecard workbook.
Every bad cell is reported by sheet and cell address (`Lĩnh vực 3!D14`).
"""
from .reader import import_many, import_xlsx, read_workbook
from .scorecard import write_scorecard
from .template import HEADERS, INFO, META_SHEET, sheet_name, write_split_templates, write_template

__all__ = ["HEADERS", "INFO", "META_SHEET", "import_many", "import_xlsx", "read_workbook", "sheet_name",
           "write_scorecard", "write_split_templates", "write_template"]
