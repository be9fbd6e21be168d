//! Stage 5, `offices`: the office registry, the splitter for joined cells, role words, and name
//! normalization. Personal names (leaders) are not offices: see [`crate::people`].
//!
//! An [`OfficeRegistry`] is data (a JSON file, see `src/data/registries/`): every office and unit
//! an issuer's notices name, with a stable ASCII code, the canonical full name, short names and
//! aliases. [`OfficeRegistry::split`] turns a cell such as `基教处 高教处 职教处` or
//! `基教处高教处职成处` into [`OfficeRef`]s in the order written, and reports aliases, unknown
//! names (with the nearest known names) and duplicates as diagnostics: nothing is dropped silently.

mod draft;
mod names;
mod registry;
mod roles;
mod segment;

pub use draft::draft_registry;
pub use names::{has_name_suffix, is_close_bracket, is_open_bracket, normalize_name};
pub use registry::{OfficeEntry, OfficeError, OfficeKind, OfficeRef, OfficeRegistry};
pub use roles::{marker_role, read_clause, Clause, MarkerRole};
pub use segment::{split_separators, CellSplitter};

#[cfg(test)]
mod tests {
    use super::segment::MAX_SEGMENTED_CELL_CHARS;
    use super::*;
    use crate::diag::Location;

    #[test]
    fn lookups_ignore_spacing_and_bracket_width() {
        let r = OfficeRegistry::builtin();
        assert_eq!(r.lookup("各市(州)教育局").map(|e| e.code.as_str()), Some("gsjyt.all.shizhou-jyj"));
        assert_eq!(r.lookup(" 基 教 处 ").map(|e| e.code.as_str()), Some("gsjyt.jijiao"));
        assert_eq!(r.lookup("宣传处"), None);
    }

    #[test]
    fn unknown_names_get_the_nearest_known_names() {
        let r = OfficeRegistry::builtin();
        assert_eq!(r.nearest_names("基础教育科", 1), ["基础教育处"]);
        // Asked again (the registry's names are paired once, on the first call), and of a clone.
        assert_eq!(r.nearest_names("基础教育科", 1), ["基础教育处"]);
        assert_eq!(r.clone().nearest_names("职业教育科", 1), ["职业教育与成人教育处"]);
        let (refs, diags) = r.split("高教科", &Location::page(3).with_column(5));
        assert_eq!(refs[0].code, None);
        assert_eq!(refs[0].raw, "高教科");
        assert_eq!(diags[0].location, Location::page(3).with_column(5));
        assert!(
            diags[0].message.contains("高等教育处") || diags[0].message.contains("nearest"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn a_remembered_cell_splits_as_the_registry_does_at_each_location() {
        let r = OfficeRegistry::builtin();
        let mut splitter = CellSplitter::new(&r);
        // Known names run together, an alias, an unknown name and a repeat: every kind of finding.
        let cell = "基教处高教处、职成处 高教科 基教处";
        for at in [Location::page(1).with_column(4), Location::page(7).with_column(5), Location::page(2)] {
            let (refs, diags) = splitter.split(cell, &at);
            let (want_refs, want_diags) = r.split(cell, &at);
            assert_eq!(refs, want_refs);
            assert!(!want_diags.is_empty());
            assert_eq!(diags, want_diags, "the diagnostics of a remembered cell carry the location of this use");
        }
        // A cell past the remembered length is split afresh, with the same result.
        let long = "基教处".repeat(100);
        assert_eq!(splitter.split(&long, &Location::page(3)), r.split(&long, &Location::page(3)));
    }

    #[test]
    fn registry_files_are_checked() {
        let entry = |code: &str, name: &str| format!(r#"{{"code":"{code}","kind":"office","name":"{name}"}}"#);
        let file = |entries: &[String]| format!(r#"{{"id":"t","issuer":"x","entries":[{}]}}"#, entries.join(","));
        let err = OfficeRegistry::from_json(&file(&[entry("a.b", "甲处"), entry("a.b", "乙处")]), "t").unwrap_err();
        assert!(matches!(err, OfficeError::DuplicateCode { .. }), "{err}");
        let err = OfficeRegistry::from_json(&file(&[entry("A", "甲处")]), "t").unwrap_err();
        assert!(matches!(err, OfficeError::BadCode { .. }), "{err}");
        let err = OfficeRegistry::from_json(&file(&[entry("a", "甲处"), entry("b", "甲 处")]), "t").unwrap_err();
        assert!(err.to_string().contains("belongs to both a and b"), "{err}");
        let err = OfficeRegistry::from_json("{", "t").unwrap_err();
        assert!(matches!(err, OfficeError::Json { .. }));
    }

    #[test]
    fn hostile_tokens_are_bounded() {
        let r = OfficeRegistry::builtin();
        let long = "处".repeat(5000);
        let (refs, _) = r.split(&long, &Location::default());
        assert_eq!(refs.len(), 1, "a token past the segmentation limit is kept whole");
        assert_eq!(refs[0].raw.chars().count(), 5000);
        let cell = format!("{} 基教处高教处", "处".repeat(MAX_SEGMENTED_CELL_CHARS));
        let (refs, diags) = r.split(&cell, &Location::default());
        assert_eq!(diags[0].kind, "long-office-cell");
        assert_eq!(refs.last().map(|r| r.raw.as_str()), Some("基教处高教处"), "kept whole, not dropped");
        assert!(diags.iter().all(|d| d.message.chars().count() < 300), "messages quote long text briefly");
        let (refs, _) = r.split("（（（（）", &Location::default());
        assert_eq!(refs.len(), 1, "unbalanced brackets stay one unknown name");
    }
}
