use lopdf::{dictionary, Document as PdfDocument, Object, Stream};

use super::svg::escape;
use super::*;
use crate::record::{CellBox, Provenance};

/// A one-page PDF (200 × 100 points) whose content draws `content` with Helvetica as /F1.
fn one_page_pdf(content: &str) -> Vec<u8> {
    let mut doc = PdfDocument::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 200.into(), 100.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saved");
    out
}

fn task(id: &str, cells: Vec<CellBox>) -> Task {
    let registry = crate::OfficeRegistry::builtin();
    let (lead, _) = registry.split("基教处", &crate::Location::default());
    let (support, _) = registry.split("高教处、职成处", &crate::Location::default());
    Task {
        id: id.into(),
        seq: Some(3),
        section: None,
        title: "推进教育".into(),
        text: "推进教育数字化，建设平台。".into(),
        leaders: vec!["张三".into()],
        lead_offices: lead,
        support_offices: support,
        implementers: Vec::new(),
        deadline: None,
        measures: Vec::new(),
        remarks: None,
        extra: Default::default(),
        provenance: Provenance { file: None, pages: [1, 1], row: 1, line: None, cells },
    }
}

#[test]
fn text_from_the_pdf_is_escaped_and_rulings_drawn() {
    // `\074` is `<` in a PDF string; the ruling is a stroked line across the page.
    let pdf = one_page_pdf("BT /F1 10 Tf 20 50 Td (\\074script\\076alert\\(1\\)&\"x') Tj ET 10 40 m 190 40 l S");
    let drawing = draw_pdf_page(&pdf, 1, &[], &Limits::default()).expect("drawn");
    assert_eq!((drawing.page, drawing.pages, drawing.outlined, drawing.truncated), (1, 1, 0, false));
    let svg = &drawing.svg;
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;alert(1)&amp;&quot;x&apos;"), "{svg}");
    assert!(svg.contains("<line x1=\"10\" y1=\"60\" x2=\"190\" y2=\"60\"/>"), "y turned downward: {svg}");
    assert!(svg.contains("viewBox=\"0 0 200 100\""), "{svg}");
    assert_eq!(draw_pdf_page(&pdf, 1, &[], &Limits::default()).unwrap(), drawing, "deterministic");
}

#[test]
fn a_missing_page_and_a_file_that_is_no_pdf_are_errors() {
    let pdf = one_page_pdf("BT /F1 10 Tf 20 50 Td (x) Tj ET");
    let err = draw_pdf_page(&pdf, 2, &[], &Limits::default()).unwrap_err();
    assert!(matches!(err, DrawError::NoSuchPage { page: 2, pages: 1 }), "{err}");
    assert_eq!(err.to_string(), "page 2 does not exist: the PDF has 1 page(s)");
    let err = draw_pdf_page(b"not a pdf", 1, &[], &Limits::default()).unwrap_err();
    assert!(matches!(err, DrawError::Pdf(PdfError::Unreadable(_))), "{err}");
    let limits = Limits { max_pages: 0, ..Limits::default() };
    assert!(matches!(draw_pdf_page(&pdf, 1, &[], &limits), Err(DrawError::Pdf(PdfError::TooManyPages { .. }))));
}

#[test]
fn each_cell_fragment_on_the_page_is_outlined_once_with_its_role() {
    let pdf = one_page_pdf("BT /F1 10 Tf 20 50 Td (3) Tj ET");
    let cells = vec![
        CellBox { column: 1, page: 1, bbox: [10.0, 40.0, 40.0, 70.0] },
        CellBox { column: 2, page: 1, bbox: [40.0, 40.0, 100.0, 70.0] },
        CellBox { column: 2, page: 2, bbox: [40.0, 40.0, 100.0, 70.0] },
    ];
    let mut other_file = task("n.t-2", cells.clone());
    other_file.provenance.file = Some("attachment.pdf".into());
    let drawing = draw_pdf_page(&pdf, 1, &[task("n.t-1", cells), other_file], &Limits::default()).unwrap();
    assert_eq!(drawing.outlined, 2, "page 1's fragments of the task from this file");
    assert_eq!(drawing.svg.matches("<rect class=\"cell ").count(), 2);
    assert!(drawing.svg.contains("data-task=\"n.t-1\" data-column=\"1\" data-role=\"seq\""), "{}", drawing.svg);
    assert!(drawing.svg.contains("data-column=\"2\" data-role=\"other\""), "an empty cell: {}", drawing.svg);
}

#[test]
fn roles_follow_the_text_inside_the_cell() {
    let t = task("n.t-1", Vec::new());
    assert_eq!(roles::classify(&t, "3"), CellRole::Seq);
    assert_eq!(roles::classify(&t, "基教处"), CellRole::Lead);
    assert_eq!(roles::classify(&t, "高教处、职成\n处"), CellRole::Support);
    assert_eq!(roles::classify(&t, "基教处（牵头）、高教处、职成处"), CellRole::Units);
    assert_eq!(roles::classify(&t, "张 三"), CellRole::Leaders);
    assert_eq!(roles::classify(&t, "推进教育数字化，"), CellRole::Task);
    assert_eq!(roles::classify(&t, "2024年底"), CellRole::Other);
    assert_eq!(roles::classify(&t, " "), CellRole::Other);
}

#[test]
fn escaping_replaces_what_xml_forbids() {
    assert_eq!(escape("a<b>&\"'\u{1}\u{FFFF}\t"), "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD} ");
}
