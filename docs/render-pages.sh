#!/usr/bin/env bash
# Regenerate the page-1 pictures in docs/ (run by hand; not part of the tests).
# Needs chromium and poppler-utils; the .docx picture also needs LibreOffice Writer
# (`apt-get install libreoffice-writer-nogui`), used for this picture only.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
.venv/bin/parscore score fixtures/ca-mau-2025/weaknesses.yaml -f pdf -o "$tmp/report.pdf" --peers fixtures/peers-2024.yaml
pdftoppm -r 100 -png -f 1 -l 1 -singlefile "$tmp/report.pdf" docs/report-ca-mau-2025
.venv/bin/parscore score fixtures/ca-mau-2025/weaknesses.yaml -f docx -o "$tmp/bao-cao.docx"
soffice --headless "-env:UserInstallation=file://$tmp/lo" --convert-to pdf --outdir "$tmp" "$tmp/bao-cao.docx" >/dev/null
pdftoppm -r 100 -png -f 1 -l 1 -singlefile "$tmp/bao-cao.pdf" docs/bao-cao-tu-danh-gia-ca-mau-2025
