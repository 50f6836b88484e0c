//! Where in an override file a catalog integrity problem sits.
//!
//! Integrity checks (`problems()` of each entry kind) judge entries after they are merged, so
//! they name an entry by kind and id and a field in backticks (``region `cn`: `pue` must be
//! between 1.0 and 3.0, got -1``), not by position. An override file's problems are turned into
//! located diagnostics here: the entry whose `id` is the first backticked name, and in it the
//! first later backticked name that is one of its keys.

use crate::diagnostic::Diagnostic;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// What every integrity diagnostic of an override file says would help.
const HELP: &str = "each --catalog file must leave the catalog consistent: fix this entry (or the one it names); `fleetplan catalog --help` lists the tables of built-in values";

/// The problem `message` of the override text `text` named `source_name`, located at the
/// offending field (or entry) when the file holds it.
pub(crate) fn integrity_diagnostic(source_name: &str, text: &str, message: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(source_name, message).with_help(HELP);
    if let Some((span, path, label)) = locate(text, message) {
        diagnostic = diagnostic.with_span(Some(span)).with_path(path).with_label(label);
    }
    diagnostic
}

/// Span, dotted path and caret label of the entry or field `message` names in `text`.
fn locate(text: &str, message: &str) -> Option<(Range<usize>, String, &'static str)> {
    let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let (id, fields) = names.split_first()?;
    let kind = message.split('`').next().unwrap_or_default().trim().replace(' ', "_");
    let doc = DeTable::parse(text).ok()?;
    let mut found = None;
    for (table, value) in doc.get_ref().iter() {
        let DeValue::Array(entries) = value.get_ref() else { continue };
        for (index, entry) in entries.iter().enumerate() {
            let DeValue::Table(entry) = entry.get_ref() else { continue };
            let Some(id_value) = entry.iter().find(|(k, _)| k.get_ref() == "id").map(|(_, v)| v) else { continue };
            if !matches!(id_value.get_ref(), DeValue::String(s) if s == id) {
                continue;
            }
            let path = format!("{}[{index}]", table.get_ref());
            // A field in backticks, else a key named as a word ("country `XX` must be …").
            let words: Vec<&str> = message.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
            let located = fields
                .iter()
                .find_map(|field| entry.iter().find(|(k, _)| k.get_ref() == field))
                .or_else(|| entry.iter().find(|(k, _)| k.get_ref() != "id" && words.contains(&k.get_ref().as_ref())))
                .map(|(k, v)| (v.span(), format!("{path}.{}", k.get_ref()), "this value"))
                .unwrap_or((id_value.span(), path, "this entry"));
            // Prefer the table the message's kind names (`region`), else the first match.
            if table.get_ref() == kind.as_str() {
                return Some(located);
            }
            found.get_or_insert(located);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[[region]]\nid = \"cn\"\nname = \"China\"\npue = -1\n";

    #[test]
    fn a_field_problem_points_at_the_field() {
        let d = integrity_diagnostic("o.toml", TEXT, "region `cn`: `pue` must be between 1.0 and 3.0, got -1");
        assert_eq!(d.path.as_deref(), Some("region[0].pue"));
        assert_eq!(d.line_col(TEXT), Some((4, 7)));
        assert!(d.help.is_some());
    }

    #[test]
    fn an_entry_problem_points_at_its_id() {
        let d = integrity_diagnostic("o.toml", TEXT, "region `cn` has an empty `source`");
        assert_eq!(d.path.as_deref(), Some("region[0]"));
        assert_eq!(d.line_col(TEXT), Some((2, 6)));
    }

    #[test]
    fn a_field_named_as_a_word_is_found_too() {
        let text = "[[region]]\nid = \"zz\"\ncountry = \"XX\"\n";
        let d = integrity_diagnostic("o.toml", text, "region `zz`: country `XX` must be an ISO alpha-2 code");
        assert_eq!(d.path.as_deref(), Some("region[0].country"));
    }

    #[test]
    fn a_problem_outside_the_file_keeps_no_span() {
        let d = integrity_diagnostic("o.toml", TEXT, "system `dgx`: unknown accelerator `zz`");
        assert_eq!(d.span, None);
        assert!(d.help.is_some());
    }
}
