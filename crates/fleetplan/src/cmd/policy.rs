//! `fleetplan policy check|matrix`: export-control answers from the dated rules in the catalog,
//! and the rules table behind `fleetplan catalog rules`.

use super::{Failure, markdown_table, out, to_json};
use crate::ui;
use clap::{Args, Subcommand};
use fleetplan_core::catalog::{Accelerator, Catalog};
use fleetplan_core::policy::{Classification, Ownership, RuleSet, Verdict, VerdictKind, chip_metrics, classify, judge};
use fleetplan_core::scenario::Quarter;
use fleetplan_core::units::Date;
use fleetplan_io::api::policy::{PolicyInputError, PolicySwitches};
use std::collections::BTreeMap;

/// Subcommands of `fleetplan policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// May a buyer own (or lease) this chip at this site on this date? One answer with the
    /// deciding rule, citation, reason and advisories.
    #[command(after_help = crate::help::POLICY_CHECK)]
    Check(CheckArgs),
    /// Every chip × every site for one buyer and date, as short verdict codes.
    #[command(after_help = crate::help::POLICY_MATRIX)]
    Matrix(MatrixArgs),
}

/// Switches shared by `check` and `matrix`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// ISO 3166 alpha-2 code of the buyer's headquarters (or ultimate parent), e.g. CN, US.
    /// Checked as a scenario's `[buyer] headquarters` is (assigned codes only); lower case is
    /// accepted and read in capitals.
    #[arg(long, value_parser = parse_country)]
    pub buyer_hq: String,
    /// Date to answer for, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub date: Date,
    /// A fact about the buyer that rules select by (repeatable), e.g. `--buyer-attribute
    /// listed-affiliate` or `--buyer-attribute cn-h200-approved` (see `fleetplan catalog rules`).
    #[arg(long = "buyer-attribute", value_name = "NAME")]
    pub buyer_attributes: Vec<String>,
    /// The buyer leases capacity from an operator instead of owning the hardware.
    #[arg(long)]
    pub lease: bool,
    /// Treat every licence requirement as granted (outright prohibitions still hold).
    #[arg(long)]
    pub assume_licences: bool,
    /// Ignore this rule (repeatable), e.g. `--disable-rule oct2023-hq`.
    #[arg(long = "disable-rule", value_name = "ID")]
    pub disable_rules: Vec<String>,
    /// Keep this rule in force past its end or rescission (repeatable), e.g.
    /// `--enable-rule jan2025-diffusion`.
    #[arg(long = "enable-rule", value_name = "ID")]
    pub enable_rules: Vec<String>,
    /// Treat this rule's licence requirement as granted (repeatable), e.g.
    /// `--grant-rule jan2026-case-by-case`; other rules' requirements stay.
    #[arg(long = "grant-rule", value_name = "ID")]
    pub grant_rules: Vec<String>,
    /// Emit JSON instead of text.
    #[command(flatten)]
    pub print: super::args::FormatArg,
}

/// Arguments of `fleetplan policy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Accelerator id, e.g. h20 (see `fleetplan catalog chips`).
    #[arg(long)]
    pub chip: String,
    /// Region id of the site, e.g. cn, my-johor (see `fleetplan catalog regions`).
    #[arg(long)]
    pub site: String,
    /// Buyer, date, ownership and rule switches.
    #[command(flatten)]
    pub query: QueryArgs,
}

/// Arguments of `fleetplan policy matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Buyer, date, ownership and rule switches.
    #[command(flatten)]
    pub query: QueryArgs,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// The flag in capitals; whether it is a country is judged with the other switches in
/// [`QueryArgs::options`], by the scenario validator's own check.
fn parse_country(s: &str) -> Result<String, String> {
    Ok(s.trim().to_ascii_uppercase())
}

impl QueryArgs {
    fn ownership(&self) -> Ownership {
        if self.lease { Ownership::Lease } else { Ownership::Own }
    }

    /// The switches as the library takes them (`fleetplan_io::api::policy`).
    fn switches(&self) -> PolicySwitches {
        PolicySwitches {
            buyer_hq: self.buyer_hq.clone(),
            buyer_attributes: self.buyer_attributes.clone(),
            date: self.date,
            lease: self.lease,
            assume_licences: self.assume_licences,
            disable_rules: self.disable_rules.clone(),
            enable_rules: self.enable_rules.clone(),
            grant_rules: self.grant_rules.clone(),
        }
    }

    /// "CN-headquartered buyer" plus its attributes, for headings.
    fn buyer_label(&self) -> String {
        if self.buyer_attributes.is_empty() {
            format!("{}-headquartered buyer", self.buyer_hq)
        } else {
            format!("{}-headquartered buyer ({})", self.buyer_hq, self.buyer_attributes.join(", "))
        }
    }
}

/// Print every problem with the switches (with its flag and help) and fail with exit code 2.
fn input_problems(problems: Vec<PolicyInputError>) -> Failure {
    for problem in problems {
        match problem {
            PolicyInputError::Unknown { argument, err } => ui::unknown_id(&format!("--{argument}"), &err),
            PolicyInputError::Headquarters(err) => {
                ui::error(format!("--buyer-hq: {err}"));
                ui::help(err.help());
            }
            PolicyInputError::Conflict(conflict) => {
                ui::error(format!("--enable-rule: {conflict}"));
                ui::help(conflict.help("--enable-rule", "--disable-rule"));
            }
        }
    }
    Failure::User
}

/// Run `fleetplan policy ...`.
pub fn run(catalog: &Catalog, args: &PolicyCommand) -> Result<(), Failure> {
    match args {
        PolicyCommand::Check(a) => check(catalog, a),
        PolicyCommand::Matrix(a) => matrix(catalog, a),
    }
}

fn check(catalog: &Catalog, args: &CheckArgs) -> Result<(), Failure> {
    let q = &args.query;
    let answer =
        fleetplan_io::api::policy::check(catalog, &args.chip, &args.site, &q.switches()).map_err(input_problems)?;
    if q.print.is_json() {
        out(&to_json(&answer)?);
        return Ok(());
    }
    let (chip, site) = (catalog.accelerator(&answer.chip), catalog.region(&answer.site));
    let (Ok(chip), Ok(site)) = (chip, site) else {
        return Err(Failure::Internal("the answer names a chip or site the catalog lacks".into()));
    };
    let (verdict, available_on_date) = (&answer.verdict, answer.available_on_date);
    let metrics = chip_metrics(chip);
    let mut text = format!(
        "{} — {} at {} ({}) for a {} ({}) on {}\n",
        verdict.kind,
        chip.id,
        site.id,
        site.name,
        q.buyer_label(),
        q.ownership(),
        q.date
    );
    match (&verdict.rule_id, &verdict.citation) {
        (Some(id), Some(cite)) => text.push_str(&format!("rule:      {id} ({cite})\n")),
        (Some(id), None) => text.push_str(&format!("rule:      {id}\n")),
        (None, _) => text.push_str("rule:      none applies\n"),
    }
    text.push_str(&format!("reason:    {}\n", verdict.reason));
    if !available_on_date {
        text.push_str(&format!(
            "note:      {} cannot be bought or leased before {} ({}): the verdict is what the rules would say\n",
            chip.id, chip.available, chip.availability
        ));
    }
    // A fee on a purchase that cannot happen would only mislead (the JSON still carries it).
    if !verdict.fee_rules.is_empty() && verdict.kind != VerdictKind::Prohibited {
        let applied = if q.lease {
            "not added to a lease: the lease price is all-in"
        } else {
            "added to the accelerator price of a purchase"
        };
        text.push_str(&format!(
            "fees:      {} ({}; {applied})\n",
            percent(verdict.fee_fraction),
            verdict.fee_rules.join(" + ")
        ));
    }
    let pd = metrics.performance_density.map_or_else(|| "unknown".to_string(), |pd| format!("{pd:.2}"));
    text.push_str(&format!(
        "chip:      TPP {:.0}, PD {pd}; Oct-2022: {}; Oct-2023: {}\n",
        metrics.tpp, metrics.oct2022, metrics.oct2023
    ));
    if verdict.advisories.is_empty() {
        text.push_str("advisories: none");
    } else {
        text.push_str("advisories:");
        for a in &verdict.advisories {
            text.push_str(&format!("\n  - {a}"));
        }
    }
    out(&text);
    Ok(())
}

/// A fraction as a percentage for people: 0.25 → "25 %", 0.4375 → "43.75 %".
fn percent(fraction: f64) -> String {
    let pct = format!("{:.2}", fraction * 100.0);
    format!("{} %", pct.trim_end_matches('0').trim_end_matches('.'))
}

/// Short code of a verdict in the matrix: A, L or P, with `*` when advisories apply and the
/// fee on a purchase (e.g. `L+25%`) when one applies.
fn code(v: &Verdict) -> String {
    let letter = match v.kind {
        VerdictKind::Allowed => "A",
        VerdictKind::LicenceRequired => "L",
        VerdictKind::Prohibited => "P",
    };
    // A fee on a purchase that cannot happen would only mislead.
    let fee = if v.fee_rules.is_empty() || v.kind == VerdictKind::Prohibited {
        String::new()
    } else {
        format!("+{}", percent(v.fee_fraction).replace(' ', ""))
    };
    let star = if v.advisories.is_empty() { "" } else { "*" };
    format!("{letter}{fee}{star}")
}

fn matrix(catalog: &Catalog, args: &MatrixArgs) -> Result<(), Failure> {
    let q = &args.query;
    let switches = q.switches();
    let options = switches.options(catalog).map_err(input_problems)?;
    // A chip that cannot be had yet on the date has no meaningful verdict: it is left out and named.
    let quarter = Quarter::of_date(q.date);
    let (chips, not_yet): (Vec<&Accelerator>, Vec<&Accelerator>) =
        catalog.accelerators.iter().partition(|chip| chip.available_in(quarter));
    let verdicts: Vec<Vec<Verdict>> = chips
        .iter()
        .map(|chip| catalog.regions.iter().map(|site| judge(catalog, &switches.query(chip, site), &options)).collect())
        .collect();
    if q.print.is_json() {
        let mut json: BTreeMap<&str, BTreeMap<&str, &Verdict>> = BTreeMap::new();
        for (chip, row) in chips.iter().zip(&verdicts) {
            json.insert(chip.id.as_str(), catalog.regions.iter().map(|r| r.id.as_str()).zip(row).collect());
        }
        out(&to_json(&json)?);
        return Ok(());
    }
    let mut table = markdown_table();
    let mut header = vec!["chip".to_string(), "class".to_string()];
    header.extend(catalog.regions.iter().map(|r| r.id.clone()));
    table.set_header(header);
    for (chip, row) in chips.iter().zip(&verdicts) {
        let class = match classify(chip, RuleSet::Oct2023) {
            Classification::UnknownDieArea => "?".to_string(),
            c if c.is_controlled() => c.as_str().trim_start_matches("3A090.").to_string(),
            _ => "-".to_string(),
        };
        let name = if chip.sold { chip.id.clone() } else { format!("{} †", chip.id) };
        let mut cells = vec![name, class];
        cells.extend(row.iter().map(code));
        table.add_row(cells);
    }
    let mut deciding: Vec<&str> = verdicts.iter().flatten().filter_map(|v| v.rule_id.as_deref()).collect();
    deciding.sort_unstable();
    deciding.dedup();
    let attributes = if q.buyer_attributes.is_empty() {
        String::new()
    } else {
        format!(" (attributes: {})", q.buyer_attributes.join(", "))
    };
    let text = format!(
        "Buyer HQ {}{attributes}, {}, {}{}\n{table}\n\nA allowed · L licence required · P prohibited · +N% fees and duties \
         on a purchase (added to the accelerator price) · * advisories apply (see `fleetplan policy check`)\n\
         † not sold: cloud rental only, so only the lease answers (--lease) matter\n\
         class: Oct-2023 3A090 entry (- not controlled, ? undetermined: die area unknown, treated as controlled)\n\
         deciding rules: {}{}",
        q.buyer_hq,
        q.ownership(),
        q.date,
        if options.assume_licences_granted { ", licences assumed granted" } else { "" },
        if deciding.is_empty() { "none".to_string() } else { deciding.join(", ") },
        if not_yet.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = not_yet.iter().map(|c| format!("{} ({})", c.id, c.available)).collect();
            format!("\nnot yet available on this date, not shown: {}", ids.join(", "))
        }
    );
    out(&text);
    Ok(())
}

/// Print the rules table (`fleetplan catalog rules`): id, effective, ends, action, scope,
/// citation; or, with `json`, an object keyed by rule id.
pub fn print_rules(catalog: &Catalog, json: bool) -> Result<(), Failure> {
    if json {
        out(&to_json(&fleetplan_io::api::catalog::rules(catalog))?);
        return Ok(());
    }
    let mut table = markdown_table();
    table.set_header(["id", "effective", "ends", "action", "scope", "citation"]);
    for r in &catalog.rules {
        let mut ends = match (r.end_date(catalog), &r.rescinded_by) {
            (Some(end), Some(by)) => format!("{end} ({by})"),
            (Some(end), None) => end.to_string(),
            (None, _) => "-".to_string(),
        };
        for s in &r.suspensions {
            let suspension = format!("suspended {}, back {}", s.from, s.resumes);
            ends = if ends == "-" { suspension } else { format!("{ends}; {suspension}") };
        }
        let action = match r.fee_pct {
            Some(fee) => format!("{} {fee} %", r.action),
            None => r.action.to_string(),
        };
        table.add_row([
            r.id.clone(),
            r.effective.to_string(),
            ends,
            action,
            r.scope(),
            r.citation.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    out(&table.to_string());
    Ok(())
}
