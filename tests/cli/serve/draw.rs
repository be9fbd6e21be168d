//! The page drawings: for every PDF fixture, the page with the most cell fragments is drawn with
//! all its tasks, and the drawing has exactly one outlined box per fragment the JSON lists for
//! that page, at the fragment's place; `notice-ingest draw` writes the same drawing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use notice_ingest::{convert_path, draw_pdf_page, Config};

use super::{root, run, text};

/// Every PDF under fixtures/.
fn pdf_fixtures() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root().join("fixtures"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
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
    let mut checked = 0;
    let mut per_fixture = Vec::new();
    for path in pdf_fixtures() {
        let Ok(doc) = convert_path(&path, &config) else { continue };
        let mut by_page: BTreeMap<u32, usize> = BTreeMap::new();
        for cell in doc.tasks.iter().flat_map(|t| &t.provenance.cells) {
            *by_page.entry(cell.page).or_default() += 1;
        }
        let Some((&page, &count)) = by_page.iter().max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p))) else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
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
        assert_eq!(drawn.len(), count, "{}: page {page}", path.display());
        assert_eq!(drawing.outlined, count);
        expected.sort();
        drawn.sort();
        assert_eq!(drawn, expected, "{}: page {page}: each box where the JSON puts it", path.display());
        assert!(!drawing.truncated, "{}", path.display());
        assert!(drawing.svg.matches("<text ").count() > 10, "{}: the page's text is drawn", path.display());
        per_fixture.push(format!("{} p{page}: {count}", path.file_name().unwrap().to_string_lossy()));
        checked += 1;
    }
    // A scan, a file without ledger and the paragraph ledgers list no cells (17 of 37 PDFs today).
    assert!(checked >= 20, "{checked} PDF fixtures drawn: {per_fixture:?}");
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
