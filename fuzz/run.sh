#!/bin/sh
# Runs every fuzz target for SECONDS each (default 600) with libFuzzer through cargo-fuzz.
# Needs `cargo install cargo-fuzz`; RUSTC_BOOTSTRAP lets the stable toolchain take the sanitizer flags.
# Seeds come from fixtures/ (copied into each target's corpus on the first run), plus the files
# of the directory SEEDS names, by extension (e.g. the hostile corpus that
# `KEEP_MALFORMED=1 cargo test hostile_files` leaves in $TMPDIR/notice-ingest-hostile). Not part of CI.
set -eu
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
TARGETS=${TARGETS:-"convert_text convert_html convert_pdf convert_docx convert_xlsx split_offices"}
export RUSTC_BOOTSTRAP=1
for t in $TARGETS; do
    mkdir -p "corpus/$t"
    case $t in
        convert_text) cp -n ../fixtures/seed/*.txt "corpus/$t/" 2>/dev/null || true ;;
        convert_html) cp -n ../fixtures/html/*.html ../fixtures/ledgers/*.html "corpus/$t/" 2>/dev/null || true ;;
        convert_pdf) cp -n ../fixtures/pdf/*.pdf ../fixtures/ledgers/*.pdf "corpus/$t/" 2>/dev/null || true ;;
        convert_docx) cp -n ../fixtures/docx/*.docx ../fixtures/html/*.docx ../fixtures/ledgers/*.docx "corpus/$t/" 2>/dev/null || true ;;
        convert_xlsx) cp -n ../fixtures/xlsx/*.xlsx ../fixtures/ledgers/*.xlsx "corpus/$t/" 2>/dev/null || true ;;
        split_offices) cut -f1 ../fixtures/splitter/cases.tsv | head -200 | split -l 1 - "corpus/$t/case-" ;;
    esac
    ext=$(echo "$t" | sed -n 's/^convert_//p' | sed 's/^text$/txt/')
    if [ -n "${SEEDS:-}" ] && [ -n "$ext" ]; then cp -n "$SEEDS"/*."$ext" "corpus/$t/" 2>/dev/null || true; fi
    echo "== $t for ${SECONDS_EACH}s"
    cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=20 2>&1 | tail -n 5
done
