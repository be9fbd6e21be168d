//! The page drawings: every PDF fixture is drawn. For one whose JSON lists cell fragments, the page
//! with the most of them is drawn with all its tasks, and the drawing has exactly one outlined box
//! per fragment the JSON lists for that page, at the fragment's place; one that lists none (a
//! ledger read from paragraphs, a scan, a file without a ledger) has no box. `notice-ingest draw`
//! writes the same drawing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use notice_ingest::{convert_path, draw_pdf_page, Config};

use super::{root, run, text};

/// Every PDF under fixtures/ but the scans of fixtures/scans: their pages are images, which a
/// drawing does not show, and reading them by OCR in a debug build takes minutes (tests/scans
/// reads them against the release build).
fn pdf_fixtures() -> Vec<PathBuf> {
    let scans = root().join("fixtures/scans");
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root().join("fixtures"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf") && !p.starts_with(&scans))
        .collect();
    found.sort();
    found
}

/// The boxes a drawing outlines, as `task|column|x|y|width|height` (SVG coordinates, y down).
fn outlined(svg: &str) -> Vec<String> {
    let attr = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..].split('"').next().unwrap().to_string()
    };
    svg.lines()
        .filter(|l| l.starts_with("<rect class=\"cell "))
        .map(|tag| ["data-task", "data-column", "x", "y", "width", "height"].map(|n| attr(tag, n)).join("|"))
        .collect()
}

/// `v` as the drawing writes numbers: two decimals at most, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[test]
fn each_pdf_fixture_page_outlines_one_box_per_cell_fragment() {
    let config = Config::default();
    let mut with_cells = Vec::new();
    let mut without_cells = Vec::new();
    let fixtures = pdf_fixtures();
    for path in &fixtures {
        let bytes = std::fs::read(path).unwrap();
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let Ok(doc) = convert_path(path, &config) else {
            // No record (a scan, a file without a ledger): page 1 drawn with nothing to outline.
            let drawing = draw_pdf_page(&bytes, 1, &[], &config.limits).unwrap();
            assert_eq!((outlined(&drawing.svg).len(), drawing.outlined), (0, 0), "{name}");
            without_cells.push(format!("{name} (no record)"));
            continue;
        };
        let mut by_page: BTreeMap<u32, usize> = BTreeMap::new();
        for cell in doc.tasks.iter().flat_map(|t| &t.provenance.cells) {
            *by_page.entry(cell.page).or_default() += 1;
        }
        let Some((&page, &count)) = by_page.iter().max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p))) else {
            // A ledger read from paragraphs lists no cells: its first task's page has no box.
            let page = doc.tasks.first().map_or(1, |t| t.provenance.pages[0]);
            let drawing = draw_pdf_page(&bytes, page, &doc.tasks, &config.limits).unwrap();
            assert_eq!((outlined(&drawing.svg).len(), drawing.outlined), (0, 0), "{name}: page {page}");
            assert!(drawing.svg.matches("<text ").count() >= 5, "{name}: the page's lines are drawn");
            without_cells.push(format!("{name} p{page}"));
            continue;
        };
        let drawing = draw_pdf_page(&bytes, page, &doc.tasks, &config.limits).unwrap();
        let height: f64 =
            drawing.svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(['"', ' ']).nth(1).unwrap().parse().unwrap();
        let mut expected: Vec<String> = doc
            .tasks
            .iter()
            .flat_map(|t| t.provenance.cells.iter().filter(|c| c.page == page).map(move |c| (t, c)))
            .map(|(t, c)| {
                let [x0, y0, x1, y1] = c.bbox;
                [t.id.clone(), c.column.to_string(), num(x0), num(height - y1), num(x1 - x0), num(y1 - y0)].join("|")
            })
            .collect();
        let mut drawn = outlined(&drawing.svg);
        assert_eq!(drawn.len(), count, "{name}: page {page}");
        assert_eq!(drawing.outlined, count);
        expected.sort();
        drawn.sort();
        assert_eq!(drawn, expected, "{name}: page {page}: each box where the JSON puts it");
        assert!(!drawing.truncated, "{name}");
        assert!(drawing.svg.matches("<text ").count() > 10, "{name}: the page's text is drawn");
        with_cells.push(format!("{name} p{page}: {count}"));
    }
    assert_eq!(with_cells.len() + without_cells.len(), fixtures.len(), "every PDF fixture is drawn");
    // Table ledgers list their cells (20 of 37 PDFs today); a scan, a file without a ledger and
    // the ledgers read from paragraphs list none.
    assert!(with_cells.len() >= 20, "{} PDF fixtures with cells: {with_cells:?}", with_cells.len());
    for producer in
        ["seed-libreoffice", "seed-chromium", "seed-wkhtmltopdf", "seed-reportlab-cid", "seed-reportlab-borderless"]
    {
        assert!(with_cells.iter().any(|f| f.contains(producer)), "{producer}: {with_cells:?}");
    }
}

#[test]
fn draw_writes_the_page_and_refuses_what_is_not_a_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let svg = tmp.path().join("page.svg");
    let out = run(&["draw", "fixtures/ledgers/markers.pdf", "--page", "2", "-o", svg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(drawing.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(drawing.contains("data-role=\"units\""), "the 责任单位 column with （牵头） markers");
    let outlined = drawing.matches("<rect class=\"cell ").count();
    assert!(text(&out.stderr).contains(&format!("page 2 of 2 -> {} ({outlined} cell box(es) outlined)", svg.display())));
    let stdout = run(&["draw", "fixtures/ledgers/markers.pdf", "--page", "2"]);
    assert_eq!(stdout.stdout, drawing.as_bytes(), "the same drawing on standard output");

    let not_pdf = run(&["draw", "fixtures/ledgers/markers.html"]);
    assert_eq!(not_pdf.status.code(), Some(1));
    assert!(text(&not_pdf.stderr).contains("draw reads PDF files only, and this file is html"));
    let no_page = run(&["draw", "fixtures/ledgers/markers.pdf", "--page", "3"]);
    assert_eq!(no_page.status.code(), Some(1));
    assert!(
        text(&no_page.stderr).contains("page 3 does not exist: the PDF has 2 page(s)"),
        "{}",
        text(&no_page.stderr)
    );
}
