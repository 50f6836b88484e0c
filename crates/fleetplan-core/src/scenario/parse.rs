//! Pass 1: TOML syntax, types and unknown fields.
//!
//! The document is parsed once into toml's spanned tree; then every section, and every entry of
//! an array section (`[[site]]`, `[[workload]]`, ...), is deserialized on its own, so type errors
//! in different entries are all reported. Unknown fields are collected with `serde_ignored` and
//! reported with the span of the key and a did-you-mean drawn from the JSON Schema of the format.

use super::file::*;
use crate::diagnostic::{Diagnostic, from_toml_error};
use crate::suggest::did_you_mean;
use crate::uncertainty::{CorrelationEntry, DistributionEntry, UncertaintySection};
use serde::de::{DeserializeOwned, IntoDeserializer};
use std::ops::Range;
use toml::Spanned as TSpanned;
use toml::de::{DeTable, DeValue};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_string(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The JSON Schema of the scenario format, as a JSON value (used for field suggestions).
pub(super) fn schema_value() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or_default()
}

/// Resolve `$ref` and `anyOf`/`oneOf` wrappers (e.g. `Option<T>`) to the object schema behind them.
fn resolve<'a>(root: &'a serde_json::Value, mut node: &'a serde_json::Value) -> &'a serde_json::Value {
    for _ in 0..16 {
        if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            let name = r.rsplit('/').next().unwrap_or_default();
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(n) => node = n,
                None => return node,
            }
        } else if let Some(branches) = node.get("anyOf").or_else(|| node.get("oneOf")).and_then(|b| b.as_array()) {
            match branches.iter().find(|b| b.get("type").and_then(|t| t.as_str()) != Some("null")) {
                Some(b) => node = b,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

/// Field names allowed at `path` (the object that holds the unknown key).
fn fields_at(root: &serde_json::Value, path: &[Seg]) -> Vec<String> {
    let mut node = resolve(root, root);
    for seg in path {
        let next = match seg {
            Seg::Key(k) => node
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object())),
            Seg::Index(_) => node.get("items"),
        };
        match next {
            Some(n) => node = resolve(root, n),
            None => return Vec::new(),
        }
    }
    node.get("properties").and_then(|p| p.as_object()).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// Span of the key (for the last segment a key) or value at `path` inside `value`.
fn key_span(value: &TSpanned<DeValue<'_>>, path: &[Seg]) -> Option<Range<usize>> {
    let (last, parents) = path.split_last()?;
    let mut node = value;
    for seg in parents {
        node = match (seg, node.get_ref()) {
            (Seg::Key(k), DeValue::Table(t)) => t.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v)?,
            (Seg::Index(i), DeValue::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    match (last, node.get_ref()) {
        (Seg::Key(k), DeValue::Table(t)) => t.iter().find(|(key, _)| key.get_ref() == k).map(|(key, _)| key.span()),
        (Seg::Index(i), DeValue::Array(a)) => a.get(*i).map(|v| v.span()),
        _ => Some(node.span()),
    }
}

fn ignored_segments(path: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
    use serde_ignored::Path;
    match path {
        Path::Root => {}
        Path::Seq { parent, index } => {
            ignored_segments(parent, out);
            out.push(Seg::Index(*index));
        }
        Path::Map { parent, key } => {
            ignored_segments(parent, out);
            out.push(Seg::Key(key.clone()));
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            ignored_segments(parent, out);
        }
    }
}

struct Parser<'a> {
    source_name: &'a str,
    schema: serde_json::Value,
    diags: Vec<Diagnostic>,
}

impl Parser<'_> {
    /// Deserialize one section or entry; report type errors and unknown fields.
    fn one<T: DeserializeOwned>(&mut self, value: &TSpanned<DeValue<'_>>, prefix: &[Seg]) -> Option<T> {
        let mut ignored: Vec<Vec<Seg>> = Vec::new();
        let result = {
            let mut callback = |p: serde_ignored::Path<'_>| {
                let mut segs = Vec::new();
                ignored_segments(&p, &mut segs);
                ignored.push(segs);
            };
            let de = value.clone().into_deserializer();
            let de = serde_ignored::Deserializer::new(de, &mut callback);
            serde_path_to_error::deserialize::<_, T>(de)
        };
        for rel in ignored {
            self.unknown_field(value, prefix, &rel);
        }
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let inner = path_string(prefix);
                let rel = e.path().to_string().replace(".$__serde_spanned_private_value", "");
                let rel = if rel == "$__serde_spanned_private_value" { String::new() } else { rel };
                let path = match (inner.is_empty(), rel == "." || rel.is_empty()) {
                    (_, true) => inner,
                    (true, false) => rel,
                    (false, false) if rel.starts_with('[') => format!("{inner}{rel}"),
                    (false, false) => format!("{inner}.{rel}"),
                };
                let err = e.into_inner();
                let mut d = from_toml_error(self.source_name, Some(path), &err);
                if d.span.is_none() {
                    d.span = Some(value.span());
                }
                d.message = friendly(&d.message);
                d.label = d.label.as_deref().map(friendly);
                d.help = Some(type_help(err.message()));
                self.diags.push(d);
                None
            }
        }
    }

    fn unknown_field(&mut self, value: &TSpanned<DeValue<'_>>, prefix: &[Seg], rel: &[Seg]) {
        let Some(Seg::Key(name)) = rel.last() else { return };
        let full: Vec<Seg> = prefix.iter().chain(rel.iter()).cloned().collect();
        let parent = &full[..full.len() - 1];
        let fields = fields_at(&self.schema, parent);
        let where_ = if parent.is_empty() { "the top level".to_string() } else { format!("`{}`", path_string(parent)) };
        let mut d = Diagnostic::error(self.source_name, format!("unknown field `{name}` in {where_}"))
            .with_span(key_span(value, rel).or(Some(value.span())))
            .with_path(path_string(&full))
            .with_label("unknown field");
        let suggestion = did_you_mean(name, fields.iter().map(String::as_str));
        d = d.with_help(match suggestion {
            Some(s) => format!("did you mean `{s}`? valid fields here: {}", fields.join(", ")),
            None => format!("valid fields here: {}", fields.join(", ")),
        });
        self.diags.push(d);
    }

    /// Deserialize every entry of an array-of-tables section one by one.
    fn entries<T: DeserializeOwned>(
        &mut self,
        name: &str,
        value: &TSpanned<DeValue<'_>>,
        set_span: impl Fn(&mut T, &TSpanned<DeValue<'_>>),
    ) -> Vec<T> {
        let DeValue::Array(items) = value.get_ref() else {
            self.diags.push(
                Diagnostic::error(self.source_name, format!("`{name}` must be a list of tables"))
                    .with_span(Some(value.span()))
                    .with_path(name)
                    .with_label(format!("expected [[{name}]] entries"))
                    .with_help(format!("write each entry as a `[[{name}]]` table (double brackets)")),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(mut entry) = self.one::<T>(item, &[Seg::Key(name.into()), Seg::Index(i)]) {
                set_span(&mut entry, item);
                out.push(entry);
            }
        }
        out
    }
}

/// The keys a distribution entry may hold (a table without any of them is a level of a dotted
/// path written without quotes).
const DISTRIBUTION_KEYS: [&str; 6] = ["normal", "lognormal", "triangular", "uniform", "bernoulli", "p"];

/// Whether a table names a distribution (holds one of [`DISTRIBUTION_KEYS`]).
fn is_distribution(table: &DeTable<'_>) -> bool {
    table.iter().any(|(k, _)| DISTRIBUTION_KEYS.contains(&k.get_ref().as_ref()))
}

impl Parser<'_> {
    /// `[uncertainty]`: `[[uncertainty.correlation]]` entries and path = distribution pairs.
    /// A path written without quotes (`workload.x.daily_users = {..}`) arrives as nested tables
    /// and is joined back into its dotted path.
    fn uncertainty(&mut self, value: &TSpanned<DeValue<'_>>) -> Option<UncertaintySection> {
        let mut section = UncertaintySection::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.diags.push(
                Diagnostic::error(self.source_name, "`uncertainty` must be a table of path = distribution")
                    .with_span(Some(value.span()))
                    .with_path("uncertainty")
                    .with_label("expected a table")
                    .with_help("write [uncertainty] and then lines like \"budget.total\" = { normal = { mean = 1e9, sd = 1e8 } }"),
            );
            return None;
        };
        for (key, item) in table.iter() {
            if key.get_ref() == "correlation" {
                let DeValue::Array(items) = item.get_ref() else {
                    self.diags.push(
                        Diagnostic::error(self.source_name, "`uncertainty.correlation` must be a list of tables")
                            .with_span(Some(item.span()))
                            .with_path("uncertainty.correlation")
                            .with_label("expected [[uncertainty.correlation]] entries")
                            .with_help("write each correlation as [[uncertainty.correlation]] with a, b and rho"),
                    );
                    continue;
                };
                for (i, entry) in items.iter().enumerate() {
                    let prefix = [Seg::Key("uncertainty".into()), Seg::Key("correlation".into()), Seg::Index(i)];
                    section.correlation.extend(self.one::<CorrelationEntry>(entry, &prefix));
                }
            } else {
                self.uncertain_input(&mut section, key.get_ref(), key.span(), item);
            }
        }
        Some(section)
    }

    /// One `path = distribution` pair of `[uncertainty]` (recursing into unquoted dotted paths).
    fn uncertain_input(
        &mut self,
        section: &mut UncertaintySection,
        path: &str,
        key_span: Range<usize>,
        item: &TSpanned<DeValue<'_>>,
    ) {
        if let DeValue::Table(t) = item.get_ref()
            && !t.is_empty()
            && !is_distribution(t)
            && t.iter().all(|(_, child)| match child.get_ref() {
                DeValue::Table(c) => {
                    is_distribution(c) || c.iter().all(|(_, v)| matches!(v.get_ref(), DeValue::Table(_)))
                }
                _ => false,
            })
        {
            for (k, v) in t.iter() {
                self.uncertain_input(section, &format!("{path}.{}", k.get_ref()), k.span(), v);
            }
            return;
        }
        if section.key_spans.contains_key(path) {
            self.diags.push(
                Diagnostic::error(self.source_name, format!("uncertain input `{path}` is given twice"))
                    .with_span(Some(key_span))
                    .with_path(format!("uncertainty.{path}"))
                    .with_label("duplicate path")
                    .with_help("give each path one distribution; remove one of the two"),
            );
            return;
        }
        let prefix = [Seg::Key("uncertainty".into()), Seg::Key(path.to_string())];
        if let Some(entry) = self.one::<DistributionEntry>(item, &prefix) {
            section.inputs.insert(path.to_string(), entry);
            section.key_spans.insert(path.to_string(), key_span);
            section.value_spans.insert(path.to_string(), item.span());
        }
    }
}

/// Spans of the keys of the sub-table `name` of `value` (empty when absent).
fn table_key_spans(value: &TSpanned<DeValue<'_>>, name: &str) -> std::collections::BTreeMap<String, Range<usize>> {
    let DeValue::Table(t) = value.get_ref() else { return Default::default() };
    match t.iter().find(|(k, _)| k.get_ref() == name).map(|(_, v)| v.get_ref()) {
        Some(DeValue::Table(sub)) => sub.iter().map(|(k, _)| (k.get_ref().to_string(), k.span())).collect(),
        _ => Default::default(),
    }
}

/// Serde's type names in words users know.
fn friendly(message: &str) -> String {
    message
        .replace("expected u32", "expected a whole number ≥ 0")
        .replace("expected u64", "expected a whole number ≥ 0")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected true or false")
}

/// Help text for a serde type error.
fn type_help(message: &str) -> String {
    if message.starts_with("missing field") {
        "add the field; see docs/scenario.md or `fleetplan schema` for the format".into()
    } else if message.contains("unknown variant") {
        "use one of the values listed above".into()
    } else {
        "fix the value's type; see docs/scenario.md or `fleetplan schema` for the format".into()
    }
}

/// The top-level sections, and whether each is required.
const SECTIONS: &[(&str, bool)] = &[
    ("scenario", true),
    ("buyer", true),
    ("fx", false),
    ("budget", true),
    ("site", true),
    ("option", false),
    ("workload", false),
    ("policy", false),
    ("objective", false),
    ("performance", false),
    ("fleet", false),
    ("uncertainty", false),
];

/// Parse `text` into the file types, collecting every syntax, type and unknown-field problem.
pub fn parse_file(source_name: &str, text: &str) -> Result<ScenarioFile, Vec<Diagnostic>> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| {
                from_toml_error(source_name, None, e).with_label("TOML syntax error").with_help(
                    "fix the TOML syntax (strings in double quotes, one `key = value` per line, [section] headers)",
                )
            })
            .collect());
    }
    let mut p = Parser { source_name, schema: schema_value(), diags: Vec::new() };
    let root = doc.get_ref();
    let (mut scenario, mut buyer, mut fx, mut budget) = (None, None, None, None);
    let (mut site, mut option, mut workload, mut fleet) = (None, None, None, None);
    let (mut policy, mut objective, mut performance, mut uncertainty) = (None, None, None, None);
    for (key, value) in root.iter() {
        let name = key.get_ref().as_ref();
        let prefix = [Seg::Key(name.to_string())];
        match name {
            "scenario" => scenario = p.one::<ScenarioSection>(value, &prefix),
            "buyer" => buyer = p.one::<BuyerSection>(value, &prefix),
            "fx" => fx = p.one(value, &prefix),
            "budget" => budget = p.one::<BudgetSection>(value, &prefix),
            "policy" => policy = p.one::<PolicySection>(value, &prefix),
            "objective" => objective = p.one::<ObjectiveSection>(value, &prefix),
            "performance" => performance = p.one::<PerformanceSection>(value, &prefix),
            "site" => site = Some(p.entries::<SiteEntry>(name, value, |_, _| {})),
            "option" => option = Some(p.entries::<OptionEntry>(name, value, |e, v| e.entry_span = v.span())),
            "workload" => {
                workload = Some(p.entries::<WorkloadEntry>(name, value, |e, v| {
                    e.entry_span = v.span();
                    e.user_region_spans = table_key_spans(v, "user_regions");
                }))
            }
            "fleet" => fleet = Some(p.entries::<FleetEntry>(name, value, |e, v| e.entry_span = v.span())),
            "uncertainty" => uncertainty = p.uncertainty(value),
            other => {
                let names = SECTIONS.iter().map(|(n, _)| *n);
                let help = match did_you_mean(other, names.clone()) {
                    Some(s) => format!("did you mean `{s}`? sections: {}", names.collect::<Vec<_>>().join(", ")),
                    None => format!("sections: {}", names.collect::<Vec<_>>().join(", ")),
                };
                p.diags.push(
                    Diagnostic::error(source_name, format!("unknown section `{other}`"))
                        .with_span(Some(key.span()))
                        .with_path(other)
                        .with_label("unknown section")
                        .with_help(help),
                );
            }
        }
    }
    for (name, required) in SECTIONS {
        if *required && !root.iter().any(|(k, _)| k.get_ref() == name) {
            let header = if *name == "site" { "[[site]]".to_string() } else { format!("[{name}]") };
            p.diags.push(
                Diagnostic::error(source_name, format!("missing required section `{header}`"))
                    .with_span(Some(0..0))
                    .with_label(format!("add {header}"))
                    .with_help(format!("every scenario needs {header}; see docs/scenario.md")),
            );
        }
    }
    if !p.diags.is_empty() {
        super::sort_diagnostics(&mut p.diags);
        return Err(p.diags);
    }
    match (scenario, buyer, budget) {
        (Some(scenario), Some(buyer), Some(budget)) => Ok(ScenarioFile {
            scenario,
            buyer,
            fx: fx.unwrap_or_default(),
            budget,
            site: site.unwrap_or_default(),
            option: option.unwrap_or_default(),
            workload: workload.unwrap_or_default(),
            policy: policy.unwrap_or_default(),
            objective: objective.unwrap_or_default(),
            performance: performance.unwrap_or_default(),
            fleet: fleet.unwrap_or_default(),
            uncertainty,
        }),
        _ => Err(vec![Diagnostic::error(source_name, "required sections are missing")]),
    }
}
