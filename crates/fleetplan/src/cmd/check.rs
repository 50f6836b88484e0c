//! `fleetplan check FILE`: validate a scenario and print a one-screen summary.
//!
//! On success the first line of stdout is `ok`, followed by the summary; on problems every
//! diagnostic goes to stderr and the exit code is 2. With `--format json` stdout holds one
//! JSON document either way (`ok`, `file`, `problems`, `diagnostics` with their location), and
//! the exit code is the same.

use super::args::FormatArg;
use super::{Failure, input_failure, out, to_json};
use crate::ui;
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::human;
use fleetplan_core::scenario::{Mode, Scenario, WorkloadSpec};
use fleetplan_io::{Diagnosed, LoadError};
use fleetplan_models::demand::profile_of;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// Arguments of `fleetplan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML; see docs/scenario.md).
    pub file: PathBuf,
    /// Output format: `--format json` for the verdict and every diagnostic as JSON.
    #[command(flatten)]
    pub print: FormatArg,
}

/// The whole `check --format json` document (`fleetplan_io::api::diagnostics`).
fn check_json(file: &str, diagnosed: Option<&Diagnosed>) -> Result<String, Failure> {
    to_json(&fleetplan_io::api::diagnostics::check_document(file, diagnosed))
}

/// Run `fleetplan check`.
pub fn run(catalog: &Catalog, args: &CheckArgs) -> Result<(), Failure> {
    let result = fleetplan_io::scenario::read_scenario(&args.file, catalog);
    if args.print.is_json() {
        return match result {
            Ok(loaded) => {
                out(&check_json(&loaded.input.name, None)?);
                Ok(())
            }
            Err(LoadError::Invalid(diagnosed)) => {
                out(&check_json(&diagnosed.input.name, Some(&diagnosed))?);
                Err(Failure::User)
            }
            Err(read) => Err(input_failure(read)),
        };
    }
    match result {
        Ok(loaded) => {
            out("ok");
            out(&summary(&loaded.scenario, catalog));
            Ok(())
        }
        Err(LoadError::Invalid(diagnosed)) => {
            ui::diagnostics(&diagnosed);
            let count = diagnosed.diagnostics.len();
            ui::status(format!("{}: {count} problem{} found", diagnosed.input.name, if count == 1 { "" } else { "s" }));
            Err(Failure::User)
        }
        Err(read) => Err(input_failure(read)),
    }
}

/// The one-screen summary of a valid scenario.
pub fn summary(s: &Scenario, catalog: &Catalog) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "scenario   {}", s.name);
    let _ = writeln!(o, "buyer      {} (headquarters {})", s.buyer.name, s.buyer.headquarters);
    let _ = writeln!(o, "horizon    {}–{} ({} quarters)", s.start, s.end(), s.quarters);
    let usd = if s.currency == "USD" {
        String::new()
    } else {
        format!(" = {} USD at {} {}/USD", human(s.to_usd(s.budget.total)), s.currency_per_usd, s.currency)
    };
    let _ = writeln!(o, "budget     {} {}{usd}", human(s.budget.total), s.currency);
    if let Some(pq) = &s.budget.per_quarter {
        let parts: Vec<String> = pq.iter().map(|v| human(*v)).collect();
        let _ = writeln!(o, "           per quarter: {}", parts.join(", "));
    }
    for g in &s.budget.shares {
        let _ = writeln!(
            o,
            "           share `{}`: {:.0}–{:.0} % ({})",
            g.group,
            g.min * 100.0,
            g.max * 100.0,
            if g.sites.is_empty() {
                "no sites".to_string()
            } else {
                g.sites.iter().map(|site| site.as_str()).collect::<Vec<_>>().join(", ")
            }
        );
    }
    let _ = writeln!(o, "sites      {}", s.sites.len());
    for site in &s.sites {
        let _ = writeln!(
            o,
            "  {:<16} {:<9} {:>8.0} MW available, {:>6.0} MW buildable",
            site.id, site.region, site.available_mw, site.buildable_mw
        );
    }
    let _ = writeln!(o, "options    {}", s.options.len());
    for opt in &s.options {
        let cap = opt.max_per_quarter.map(|m| format!(", ≤ {}/quarter", human(m as f64))).unwrap_or_default();
        let _ = writeln!(o, "  {}{cap}, from {}", opt.name, opt.available_from);
    }
    let _ = writeln!(o, "workloads  {}", s.workloads.len());
    // Ids of a model mix (`app/model`) may be longer than the usual column.
    let id_width = s.workloads.iter().map(|w| w.id.chars().count()).max().unwrap_or(0).max(16);
    for w in &s.workloads {
        let line = match &w.spec {
            WorkloadSpec::Chat(c) => {
                let (i, out_) = c.mean_tokens_per_s(0);
                let f = profile_of(&c.serving, catalog).peak_factor();
                let source = if c.serving.diurnal.is_some() { "" } else { " (default profile)" };
                let peak = format!(", peak ×{f:.2}{source} = {} out tok/s", human(out_ * f));
                format!(
                    "chat      {} {}: {} daily users, mean {} in / {} out tok/s{peak}",
                    c.model,
                    c.precision,
                    human(c.daily_users),
                    human(i),
                    human(out_)
                )
            }
            WorkloadSpec::Image(g) | WorkloadSpec::Video(g) => {
                let kind = w.spec.kind().as_str();
                let peak = format!(", peak ×{:.2}", profile_of(&g.serving, catalog).peak_factor());
                format!(
                    "{kind:<9} {}: {} items/day, mean {:.1} items/s{peak}",
                    g.model,
                    human(g.items_per_day),
                    g.mean_items_per_s(0)
                )
            }
            WorkloadSpec::Training(t) => format!(
                "training  {} {}: {} tokens, seq {}, {} → {}",
                t.model,
                t.precision,
                human(t.tokens),
                t.seq_len,
                t.start,
                t.deadline
            ),
        };
        let _ = writeln!(o, "  {:<id_width$} {line}", w.id);
    }
    let p = &s.policy;
    let date = p.date.map_or("each quarter at its first day".to_string(), |d| format!("all quarters at {d}"));
    let _ = writeln!(
        o,
        "policy     rules judged {date}; licences assumed granted: {}",
        if p.options.assume_licences_granted { "yes" } else { "no" }
    );
    if !p.options.disabled_rules.is_empty() {
        let _ = writeln!(o, "           disabled: {}", p.options.disabled_rules.join(", "));
    }
    if !p.options.enabled_rules.is_empty() {
        let _ = writeln!(o, "           enabled: {}", p.options.enabled_rules.join(", "));
    }
    let _ = writeln!(o, "objective  {}", s.objective.as_str());
    if s.fleet.is_empty() {
        let _ = write!(o, "fleet      none (plan with `fleetplan optimize`)");
    } else {
        let mut by_chip: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for h in &s.fleet {
            let e = by_chip.entry(h.hardware.chip.as_str()).or_default();
            match h.mode {
                Mode::Buy => e.0 += h.accelerators,
                Mode::Lease => e.1 += h.accelerators,
            }
        }
        let total: u64 = s.fleet.iter().map(|h| h.accelerators).sum();
        let _ = writeln!(
            o,
            "fleet      {} holding{}, {} accelerators",
            s.fleet.len(),
            if s.fleet.len() == 1 { "" } else { "s" },
            human(total as f64)
        );
        let lines: Vec<String> = by_chip
            .iter()
            .map(|(chip, (own, lease))| {
                format!("  {chip:<16} {:>8} owned {:>8} leased", human(*own as f64), human(*lease as f64))
            })
            .collect();
        let _ = write!(o, "{}", lines.join("\n"));
    }
    o
}
