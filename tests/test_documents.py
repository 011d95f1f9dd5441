"""Documents officials print and sign: the .docx self-assessment report read back with
python-docx, the HTML report's print layout, and the PDF printed by headless Chromium,
rendered to PNG with poppler. Expected values come from the card, never from a table
copied here (field maxima may change)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from conftest import ROOT, run_cli
from parscore.explanation import fmt_number

FACTS = ROOT / "fixtures/ca-mau-2025/weaknesses.yaml"
INCOMPLETE = ROOT / "fixtures/incomplete-2025.yaml"
MACHINE = re.compile(r"\b(full|partial|missing_facts|not_applicable|reconstructed|tier_\w*|at_least)\b")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")


def card_of(path, *extra):
    r = run_cli("score", str(path), "-f", "json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def n(x, lang="vi"):
    return fmt_number(Decimal(str(x)), lang)


def pc(x, lang="vi"):
    return fmt_number(Decimal(str(x)), lang, 2) + "%"


def docx_text(doc):
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


# ------------------------------------------------------------------------------ docx

def test_docx_report_has_the_decree_30_form_and_the_cards_numbers(tmp_path):
    import docx
    from docx.shared import Pt

    out = tmp_path / "bao-cao.docx"
    r = run_cli("score", str(FACTS), "-f", "docx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert f"parscore: đã ghi {out} (" in r.stderr
    card = card_of(FACTS)
    doc = docx.Document(str(out))
    sec = doc.sections[0]
    mm = lambda x: round(x.mm)  # noqa: E731  (Word stores twips: 210 mm is 11906 twips)
    assert (mm(sec.page_width), mm(sec.page_height)) == (210, 297)
    assert [mm(x) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [20, 20, 30, 15]
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size == Pt(14)
    # national header beside the issuing body, number and date placeholders
    left, right = (c.text.split("\n") for c in doc.tables[0].rows[0].cells)
    assert left[:2] == ["ỦY BAN NHÂN DÂN", "TỈNH CÀ MAU"] and "Số: ......./BC-UBND" in left
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert "Cà Mau, ngày ..... tháng ..... năm ......" in right
    paras = [p.text for p in doc.paragraphs]
    assert paras[:2] == ["BÁO CÁO", f"Kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {card['year']} của {card['agency']['name']}"]
    # the summary table by field: the card's own values
    table = doc.tables[1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["STT", "Lĩnh vực", "Điểm tối đa", "Điểm tự đánh giá", "Điểm theo số liệu", "Chỉ số thành phần"]
    for f, row in zip(card["fields"], rows[1:]):
        items = [it for it in card["items"] if it["code"].split(".")[0] == f["code"]]
        own = sum(Decimal(str(it["claimed"] if it["claimed"] is not None and it["assessed_by"] == "appraisal" else it["points"])) for it in items)
        assert row == [f["code"], f["name"], n(f["applicable_max"]), n(own), n(f["points"]), pc(f["index"])]
    assert rows[-1][1:3] == ["Tổng cộng", n(card["applicable_max"])] and rows[-1][4:] == [n(card["total"]), pc(card["index"])]
    assert len(rows) == len(card["fields"]) + 2
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")        # header row repeats on every page
    # the sections, in order, and the signature block
    text = docx_text(doc)
    at = [text.index(s) for s in ("I. KẾT QUẢ TỰ ĐÁNH GIÁ", "II. CÁC TIÊU CHÍ CHƯA ĐỦ TÀI LIỆU KIỂM CHỨNG HOẶC THIẾU SỐ LIỆU",
                                  "III. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ", "1. Khó khăn, vướng mắc", "2. Đề xuất, kiến nghị")]
    assert at == sorted(at)
    assert f"Tổng điểm {n(card['total'])}/{n(card['applicable_max'])} điểm; chỉ số {pc(card['index'])}; xếp nhóm {card['group']}." in paras
    sign_left, sign_right = (c.text.split("\n") for c in doc.tables[-1].rows[0].cells)
    assert sign_left[0] == "Nơi nhận:" and sign_left[-1] == "- Lưu: VT."
    assert sign_right[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert not MACHINE.search(text)


def test_docx_lists_missing_data_and_missing_evidence_with_explanations(tmp_path):
    import docx

    facts = tmp_path / "f.yaml"
    text = INCOMPLETE.read_text(encoding="utf-8") + '\nexplanations:\n  "1.1.2": "Báo cáo đang trình ký, bổ sung trước 20/12."\n'
    facts.write_text(text, encoding="utf-8")
    out = tmp_path / "r.docx"
    assert run_cli("score", str(facts), "-f", "docx", "-o", str(out)).returncode == 0
    card = card_of(facts)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in docx.Document(str(out)).tables[2].rows[1:]}
    unscored = [it for it in card["items"] if it["status"] == "missing_facts"]
    assert unscored and all(it["code"] in rows for it in unscored)
    for it in unscored:
        assert rows[it["code"]][3].startswith("Thiếu số liệu: ") and rows[it["code"]][4] == "(đơn vị chủ trì giải trình)"
        assert rows[it["code"]][2] == f"{n(it['points'])}/{n(it['max'])}"
    assert rows["1.1.2"][3].startswith("Thiếu tài liệu kiểm chứng: ")
    assert rows["1.1.2"][4] == "Báo cáo đang trình ký, bổ sung trước 20/12."
    assert "THIẾU SỐ LIỆU: " in docx_text(docx.Document(str(out)))


def test_docx_in_english_and_with_a_date(tmp_path):
    import docx

    out = tmp_path / "en.docx"
    assert run_cli("score", str(FACTS), "-f", "docx", "-o", str(out), "--lang", "en", "--date", "15/12/2025").returncode == 0
    doc = docx.Document(str(out))
    left, right = (c.text.split("\n") for c in doc.tables[0].rows[0].cells)
    assert left[:2] == ["PEOPLE'S COMMITTEE", "OF CÀ MAU PROVINCE"]
    assert right[:2] == ["SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness"] and "Cà Mau, 15/12/2025" in right
    text = docx_text(doc)
    for s in ("I. SELF-ASSESSMENT RESULTS", "III. DIFFICULTIES AND PROPOSALS", "ON BEHALF OF THE PEOPLE'S COMMITTEE"):
        assert s in text
    assert "KẾT QUẢ" not in text
    vi = tmp_path / "vi.docx"
    assert run_cli("score", str(FACTS), "-f", "docx", "-o", str(vi), "--date", "2025-12-15").returncode == 0
    assert "Cà Mau, ngày 15 tháng 12 năm 2025" in docx_text(docx.Document(str(vi)))


def test_bad_date_and_missing_output_are_located_errors(tmp_path):
    r = run_cli("score", str(FACTS), "-f", "docx", "-o", str(tmp_path / "x.docx"), "--date", "31/02/2025")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("parscore: --date: date: cần ngày của báo cáo dạng dd/mm/yyyy (ví dụ 15/12/2025) hoặc yyyy-mm-dd, "
                                "nhận được '31/02/2025' [PS332]")
    r = run_cli("score", str(FACTS), "-f", "pdf")
    assert r.returncode == 2 and "[PS190]" in r.stderr


# ------------------------------------------------------------------------------ html

def test_html_report_is_fit_to_sign(tmp_path):
    out = tmp_path / "r.html"
    assert run_cli("score", str(INCOMPLETE), "-f", "html", "-o", str(out)).returncode == 0
    html = out.read_text(encoding="utf-8")
    card = card_of(INCOMPLETE)
    for s in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "<b>ỦY BAN NHÂN DÂN</b><br><b>TỈNH CÀ MAU</b>",
              "Số: ......./BC-UBND", "Cà Mau, ngày ..... tháng ..... năm ......",
              '@bottom-center { content: "Trang " counter(page) "/" counter(pages)', "thead { display: table-header-group; }"):
        assert s in html
    # missing data comes first: before the total and the chart
    miss = card["summary"]["missing"]
    box = html.index("<div class='missing'><b>THIẾU SỐ LIỆU: " + f"{miss['items']} tiêu chí thành phần ({n(miss['points'])} điểm)")
    assert box < html.index("class='kpis'") < html.index("<svg")
    # the summary is one section, the detail grouped by field after it
    assert html.index("class='summary'") < html.index("class='detail'")
    for f in card["fields"]:
        assert f"<h3>Lĩnh vực {f['code']}. {f['name']}: {n(f['points'])}/{n(f['applicable_max'])} điểm ({pc(f['index'])})</h3>" in html
    assert all("<thead>" in tbl for tbl in re.findall(r"<table>.*?</table>", html))
    # no field name is cut in the chart: each label's wrapped lines give back the whole name
    chart = html[html.index("<svg"):html.index("</svg>")]
    labels = [" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", t)) for t in re.findall(r"<text text-anchor=\"end\">(.*?)</text>", chart)]
    assert labels == [f"{f['code']}. {f['name']}".replace("&", "&amp;") for f in card["fields"]]
    assert "…" not in chart
    assert not MACHINE.search(re.sub(r"<[^>]+>|\[[a-z0-9_]+\]", " ", html))
    assert "<script" not in html and "https://" not in html


def test_appraised_report_is_titled_after_appraisal(tmp_path):
    out = tmp_path / "a.html"
    r = run_cli("appraise", str(FACTS), "fixtures/ca-mau-2025/appraisal-2025.yaml", "-f", "html", "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "(điểm sau thẩm định)" in html and "dự kiến" not in html
    assert "<th>Điểm thẩm định</th>" in html


# ------------------------------------------------------------------------------ pdf

def test_pdf_without_chromium_exits_2_saying_how_to_install(tmp_path):
    r = run_cli("score", str(FACTS), "-f", "pdf", "-o", str(tmp_path / "r.pdf"), env={"PARSCORE_CHROMIUM": str(tmp_path / "none")})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("parscore: chromium: --format pdf: không tìm thấy Chromium để in PDF; cài bằng `sudo apt-get install chromium`")
    assert r.stderr.strip().endswith("[PS330]") and not (tmp_path / "r.pdf").exists()


@pytest.mark.skipif(CHROMIUM is None or not POPPLER, reason="chromium and poppler-utils are installed by .ci/run")
def test_pdf_pages_header_and_page_numbers(tmp_path):
    out = tmp_path / "r.pdf"
    r = run_cli("score", str(INCOMPLETE), "-f", "pdf", "-o", str(out))
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages >= 3
    assert re.search(r"^Page size:.*\(A4\)", info, re.M)
    texts = []
    for k in range(1, pages + 1):
        texts.append(subprocess.run(["pdftotext", "-layout", "-f", str(k), "-l", str(k), str(out), "-"],
                                    capture_output=True, text=True, check=True).stdout)
    first = texts[0]
    for s in ("ỦY BAN NHÂN DÂN", "TỈNH CÀ MAU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "THIẾU SỐ LIỆU"):
        assert s in first
    assert "PHẦN CHI TIẾT" not in first and texts[1].lstrip().startswith("PHẦN CHI TIẾT")   # one page for leaders
    for k, text in enumerate(texts, 1):
        assert text.rstrip().endswith(f"Trang {k}/{pages}"), (k, text[-200:])
        if k > 1:   # a table continued on a new page starts with its header row, never with a bare item row
            assert not re.match(r"\s*\d+\.\d+\.\d+\s", text)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=True, capture_output=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == pages and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_appraised_docx_shows_computed_and_appraised_points(tmp_path):
    import docx

    args = [str(FACTS), "fixtures/ca-mau-2025/appraisal-2025.yaml"]
    out = tmp_path / "a.docx"
    assert run_cli("appraise", *args, "-f", "docx", "-o", str(out)).returncode == 0
    card = json.loads(run_cli("appraise", *args, "-f", "json").stdout)
    rows = [[c.text for c in r.cells] for r in docx.Document(str(out)).tables[1].rows]
    assert rows[0][4:] == ["Điểm theo số liệu", "Điểm thẩm định", "Chỉ số thành phần"]
    for f, row in zip(card["fields"], rows[1:]):
        items = [it for it in card["items"] if it["code"].split(".")[0] == f["code"]]
        computed = sum(Decimal(str(it["computed"] if it["computed"] is not None else it["points"])) for it in items)
        assert row[4:] == [n(computed), n(f["points"]), pc(f["index"])]
    assert any(r[4] != r[5] for r in rows[1:-1])     # the appraisal changed something, and both are shown
    assert "Kết quả tự đánh giá" in docx_text(docx.Document(str(out))) and "(điểm sau thẩm định)" in docx_text(docx.Document(str(out)))


def test_pdf_when_chromium_fails_exits_2_and_writes_nothing(tmp_path):
    r = run_cli("score", str(FACTS), "-f", "pdf", "-o", str(tmp_path / "r.pdf"), "--lang", "en", env={"PARSCORE_CHROMIUM": "/bin/false"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("parscore: chromium: --format pdf: Chromium could not print the PDF (exit 1)")
    assert r.stderr.strip().endswith("[PS331]") and not (tmp_path / "r.pdf").exists()
