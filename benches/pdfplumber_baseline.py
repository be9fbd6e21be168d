"""Baseline for the PDF stage: pdfplumber's table and text extraction over the PDF fixtures.

For each PDF with a ledger in fixtures/pdf (scanned.pdf and no-ledger.pdf excluded) every page gets
page.extract_tables() and page.extract_text(); the whole pass is repeated N times (default 5).
Prints pages, bytes, seconds, pages/s and MB/s per file and in total (time.perf_counter), and the
peak RSS of this process (resource.getrusage).

Given PDF paths instead, it reads each of them once (every page's tables and text) and prints
nothing: that is the whole-process run `cargo bench --bench pdf` times against ours.

Run: pip install pdfplumber; python3 benches/pdfplumber_baseline.py [N | FILE.pdf ...]
"""
import logging
import os
import resource
import sys
import time

import pdfplumber

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "pdf")
SKIP = {"scanned.pdf", "no-ledger.pdf"}
# pdfminer logs "Could not get FontBBox" for every Chromium Type 3 glyph font; keep the output readable.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def run(path):
    pages = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()
            pages += 1
    return pages


def main():
    if len(sys.argv) > 1 and sys.argv[1].endswith(".pdf"):
        for path in sys.argv[1:]:
            run(path)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    files = sorted(f for f in os.listdir(ROOT) if f.endswith(".pdf") and f not in SKIP)
    print(f"pdfplumber {pdfplumber.__version__}, {n} repetitions")
    print(f"{'file':28} {'pages':>6} {'bytes':>10} {'seconds':>9} {'pages/s':>9} {'MB/s':>8}")
    tot_pages = tot_bytes = 0
    tot_secs = 0.0
    for name in files:
        path = os.path.join(ROOT, name)
        size = os.path.getsize(path)
        pages = 0
        start = time.perf_counter()
        for _ in range(n):
            pages += run(path)
        secs = time.perf_counter() - start
        nbytes = size * n
        print(f"{name:28} {pages:>6} {nbytes:>10} {secs:>9.3f} {pages / secs:>9.2f} {nbytes / secs / 1e6:>8.3f}")
        tot_pages += pages
        tot_bytes += nbytes
        tot_secs += secs
    print(f"{'total':28} {tot_pages:>6} {tot_bytes:>10} {tot_secs:>9.3f} {tot_pages / tot_secs:>9.2f} "
          f"{tot_bytes / tot_secs / 1e6:>8.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak RSS: {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
