//! Passes 2 and 3: semantic checks and catalog resolution, producing the resolved [`Scenario`].
//!
//! One file per section of the scenario file, each with a `check` function that validates the
//! section, resolves its ids and returns the resolved values:
//!
//! - [`header`]: `[scenario]` (horizon), `[fx]` and the scenario currency, `[buyer]`;
//! - [`sites`]: `[[site]]`, and the table of site ids the other sections refer to;
//! - [`budget`]: `[budget]` and its shares;
//! - [`options`]: `[[option]]`; [`hardware`]: the chip-or-system and price checks that options and
//!   holdings share;
//! - [`workloads`]: `[[workload]]` (one file per kind below it);
//! - [`policy`]: `[policy]`; [`fleet`]: `[[fleet]]`; [`objective`]: `[objective]`;
//! - [`uncertainty`]: `[uncertainty]` (paths checked against the resolved scenario).
//!
//! This file holds the orchestrating [`check`] and the [`Checker`] that every section reports
//! through. Every check pushes a diagnostic and carries on, so one run reports every problem.

mod budget;
mod fleet;
mod hardware;
mod header;
mod objective;
mod options;
mod policy;
mod sites;
mod uncertainty;
mod workloads;

use super::file::ScenarioFile;
use super::{Budget, Buyer, Scenario, Spanned, limits, sort_diagnostics};
use crate::catalog::{Catalog, UnknownId};
use crate::diagnostic::Diagnostic;
use std::ops::Range;

/// Largest horizon accepted, quarters (ten years).
pub const MAX_QUARTERS: u32 = 40;

pub use objective::ObjectiveProblem;

/// Largest price or unserved penalty a workload may give, scenario currency per million tokens
/// or per item: far above any market price in any currency, small enough that the planner's
/// objective stays well conditioned.
pub const MAX_PRICE_PER_UNIT: f64 = 1e9;

/// Tolerance on sums of fractions that must equal 1.
const SHARE_TOLERANCE: f64 = 1e-6;

/// Run passes 2 and 3 on a parsed file.
pub(super) fn check(
    source: &str,
    text: &str,
    file: &ScenarioFile,
    catalog: &Catalog,
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut checker = Checker { source, text, diags: Vec::new() };
    let header = header::check(&mut checker, file, catalog);
    let site_table = sites::check(&mut checker, &file.site, &header.horizon, catalog);
    let budget = budget::check(&mut checker, &file.budget, &header, &site_table, catalog);
    let options = options::check(&mut checker, &file.option, &header, &site_table, catalog);
    let workloads = workloads::check(&mut checker, &file.workload, &header, catalog);
    let policy = policy::check(&mut checker, &file.policy, &header.horizon, catalog);
    let fleet = fleet::check(&mut checker, file, &header.horizon, &site_table, catalog);
    let (objective, discount_rate_per_year) = objective::check(&mut checker, file);

    let mut scenario = Scenario {
        name: file.scenario.name.clone(),
        description: file.scenario.description.clone(),
        currency: header.currency,
        currency_per_usd: header.currency_per_usd,
        start: header.horizon.start,
        quarters: header.horizon.quarters,
        buyer: Buyer {
            name: file.buyer.name.clone(),
            headquarters: header.headquarters,
            attributes: header.buyer_attributes,
        },
        budget: Budget {
            total: *file.budget.total,
            per_quarter: budget.per_quarter,
            per_year: budget.per_year,
            shares: budget.shares,
        },
        sites: site_table.sites,
        options,
        workloads,
        policy,
        objective,
        discount_rate_per_year,
        capacity: file.performance.capacity,
        fleet,
        uncertainty: None,
    };
    // Paths name workloads, options and sites: the section is checked on the resolved rest, so
    // only once the rest is valid (else a workload with a bad model would be "unknown" here).
    if checker.diags.is_empty() {
        scenario.uncertainty = uncertainty::check(&mut checker, file.uncertainty.as_ref(), &scenario, catalog);
    }
    if !checker.diags.is_empty() {
        sort_diagnostics(&mut checker.diags);
        return Err(checker.diags);
    }
    Ok(scenario)
}

/// Collects the diagnostics of one scenario file while the sections are checked.
struct Checker<'a> {
    /// How diagnostics name the input.
    source: &'a str,
    /// The scenario text (for quoting offending values).
    text: &'a str,
    /// Problems found so far.
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// The text of `span` as written (for messages naming the offending value).
    fn written(&self, span: &Range<usize>) -> String {
        let s = self.text.get(span.clone()).unwrap_or("").trim();
        if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s.to_string() }
    }

    fn error(&mut self, span: Range<usize>, path: &str, message: String, label: &str, help: String) {
        self.diags.push(
            Diagnostic::error(self.source, message)
                .with_span(Some(span))
                .with_path(path)
                .with_label(label)
                .with_help(help),
        );
    }

    /// `value` must be finite, > 0 and within its field's limit ([`crate::scenario::limits`]).
    fn positive(&mut self, value: &Spanned<f64>, path: &str, what: &str) -> bool {
        if value.is_finite() && **value > 0.0 {
            return self.within_limit(value, path, what);
        }
        let written = self.written(&value.span());
        self.error(
            value.span(),
            path,
            format!("{what} must be positive, got {written}"),
            "not positive",
            format!("give a number greater than 0 for `{path}`"),
        );
        false
    }

    /// `value` must be finite, ≥ 0 and within its field's limit ([`crate::scenario::limits`]).
    fn non_negative(&mut self, value: &Spanned<f64>, path: &str, what: &str) -> bool {
        if value.is_finite() && **value >= 0.0 {
            return self.within_limit(value, path, what);
        }
        let written = self.written(&value.span());
        self.error(
            value.span(),
            path,
            format!("{what} must be zero or positive, got {written}"),
            "negative",
            format!("give a number ≥ 0 for `{path}`"),
        );
        false
    }

    /// `value` must be zero or positive and at most `max`.
    fn non_negative_at_most(&mut self, value: &Spanned<f64>, max: f64, path: &str, what: &str) -> bool {
        if !self.non_negative(value, path, what) {
            return false;
        }
        if **value <= max {
            return true;
        }
        let written = self.written(&value.span());
        self.error(
            value.span(),
            path,
            format!("{what} of {written} is beyond any plausible value (at most {max:e})"),
            "too large",
            format!("give `{path}` in the scenario currency, at most {max:e}"),
        );
        false
    }

    /// `value` must be at most the limit of the field at `path`, when it has one
    /// ([`limits::field_limit`]); reported with the value, the limit and why.
    fn within_limit(&mut self, value: &Spanned<f64>, path: &str, what: &str) -> bool {
        let Some(limit) = limits::field_limit(path) else { return true };
        if **value <= limit.max {
            return true;
        }
        let written = self.written(&value.span());
        let max = if limit.max >= 1e6 { format!("{:e}", limit.max) } else { crate::format::given(limit.max) };
        self.error(
            value.span(),
            path,
            format!("{what} of {written} is beyond any real value: at most {max} ({})", limit.why),
            "too large",
            format!("give `{path}` at most {max}; docs/scenario.md (Ranges) lists every field's range"),
        );
        false
    }

    /// `value` must be a fraction in [0, 1].
    fn fraction(&mut self, value: &Spanned<f64>, path: &str, what: &str) -> bool {
        if value.is_finite() && (0.0..=1.0).contains(&**value) {
            return true;
        }
        let written = self.written(&value.span());
        self.error(
            value.span(),
            path,
            format!("{what} must be a fraction between 0 and 1, got {written}"),
            "outside 0–1",
            "write shares as fractions: 0.45 means 45 %".to_string(),
        );
        false
    }

    /// Report an id the catalog does not hold, with did-you-mean or the known ids.
    fn unknown(&mut self, span: Range<usize>, path: &str, err: &UnknownId) {
        let table = match err.kind {
            "accelerator" => "chips",
            "system" => "systems",
            "region" => "regions",
            "rule" | "buyer attribute" => "rules",
            "engine" => "engines",
            _ => "models",
        };
        let help = match &err.suggestion {
            Some(s) => format!("did you mean `{s}`? `fleetplan catalog {table}` lists every {} id", err.kind),
            None if err.known.is_empty() => format!("the catalog has no {} entries", err.kind),
            None => format!("known {} ids: {}", err.kind, list(&err.known)),
        };
        self.error(
            span,
            path,
            format!("unknown {} `{}`", err.kind, err.id),
            &format!("not a catalog {}", err.kind),
            help,
        );
    }

    /// A scenario-local id (site, workload) must be non-empty and contain no spaces.
    fn local_id(&mut self, id: &Spanned<String>, path: &str, what: &str) {
        if id.is_empty() || id.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            self.error(
                id.span(),
                path,
                format!("{what} id `{}` must be non-empty and contain no spaces", id.get()),
                "bad id",
                "use letters, digits, '-', '_' or '.', e.g. \"cn-north\"".into(),
            );
        }
    }
}

/// Up to 12 ids, comma-separated.
fn list(ids: &[String]) -> String {
    if ids.len() > 12 {
        format!("{}, … ({} in all; see `fleetplan catalog`)", ids[..12].join(", "), ids.len())
    } else {
        ids.join(", ")
    }
}

/// The value of an optional spanned number.
fn opt(value: &Option<Spanned<f64>>) -> Option<f64> {
    value.as_ref().map(|s| **s)
}
