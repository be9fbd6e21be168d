use super::*;

/// A small well-formed file: a catalog, a page tree and a stream with an indirect length,
/// in a table whose entries end in a bare line feed.
fn file() -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for body in [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".into(),
        "<< /Length 5 0 R >>\nstream\nBT ET\nendstream".into(),
        "5".into(),
    ] {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
    }
    let xref = out.len();
    out.extend(b"xref\n0 6\n0000000000 65535 f\n");
    for o in offsets {
        out.extend(format!("{o:010} 00000 n\n").as_bytes());
    }
    out.extend(format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn objects_are_parsed_when_reached() {
    let bytes = file();
    let f = LazyFile::open(&bytes, 1 << 20).unwrap();
    assert_eq!(f.objects, 5);
    assert_eq!(f.trailer().get(b"Root"), Some(&Object::Ref((1, 0))));
    assert!(f.cells.iter().all(|c| c.get().is_none()));
    let stream = f.get((4, 0)).unwrap().as_stream().unwrap();
    assert_eq!(stream.data.as_ref(), b"BT ET");
    assert!(f.get((4, 1)).is_none(), "another generation");
    assert!(f.get((9, 0)).is_none());
    assert_eq!(f.failure(), None);
}

#[test]
fn what_lopdf_would_repair_is_refused() {
    let bytes = file();
    // A wrong /Length.
    let text = String::from_utf8(bytes.clone()).unwrap().replacen("\n5\nendobj", "\n4\nendobj", 1);
    let f = LazyFile::open(text.as_bytes(), 1 << 20).unwrap();
    assert!(f.get((4, 0)).is_none());
    assert!(f.failure().is_some());
    // A startxref pointing elsewhere, and none at all.
    let text = String::from_utf8(bytes.clone()).unwrap().replace("startxref\n", "startxref\n1");
    assert!(LazyFile::open(text.as_bytes(), 1 << 20).is_err());
    assert!(LazyFile::open(&bytes[..bytes.len() - 20], 1 << 20).is_err());
    // Encryption.
    let text = String::from_utf8(bytes).unwrap().replace("/Size 6", "/Size 6 /Encrypt 9 0 R");
    assert_eq!(LazyFile::open(text.as_bytes(), 1 << 20).err(), Some("an encrypted file"));
}
