"""Documents officials print and sign: the self-assessment report as .docx (`docx.py`) and
the HTML report printed to PDF by headless Chromium (`pdf.py`). `official.py` holds what
both share: the national header, the issuing body, the title and the Vietnamese labels."""
