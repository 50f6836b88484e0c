//! `fleetplan policy check|matrix`: export-control answers from the dated rules in the catalog,
//! and the rules table behind `fleetplan catalog rules`.

use super::args::unknown;
use super::{Failure, markdown_table, out, to_json};
use crate::ui;
use clap::{Args, Subcommand};
use fleetplan_core::catalog::{Accelerator, Catalog, Region, Rule};
use fleetplan_core::policy::{
    Classification, Ownership, PolicyOptions, PolicyQuery, RuleSet, Verdict, VerdictKind, check_buyer_attribute,
    check_headquarters, chip_metrics, classify, judge, rule_switch_conflicts,
};
use fleetplan_core::scenario::Quarter;
use fleetplan_core::units::Date;
use serde::Serialize;
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

    /// The policy question for `chip` at `site` with these switches.
    fn query<'a>(&'a self, chip: &'a Accelerator, site: &'a Region) -> PolicyQuery<'a> {
        PolicyQuery {
            chip,
            site,
            buyer_hq: &self.buyer_hq,
            buyer_attributes: &self.buyer_attributes,
            date: self.date,
            ownership: self.ownership(),
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

    /// The policy options, after the checks a scenario's `[buyer]` and `[policy]` get (one
    /// home: `fleetplan_core::policy`): the headquarters is a country, every rule id exists,
    /// no rule is both enabled and disabled, every buyer attribute is known.
    fn options(&self, catalog: &Catalog) -> Result<PolicyOptions, Failure> {
        let mut ok = true;
        if let Err(err) = check_headquarters(&self.buyer_hq) {
            ui::error(format!("--buyer-hq: {err}"));
            ui::help(err.help());
            ok = false;
        }
        let enabled: Vec<&str> = self.enable_rules.iter().map(String::as_str).collect();
        let disabled: Vec<&str> = self.disable_rules.iter().map(String::as_str).collect();
        for (_, conflict) in rule_switch_conflicts(&enabled, &disabled) {
            ui::error(format!("--enable-rule: {conflict}"));
            ui::help(conflict.help("--enable-rule", "--disable-rule"));
            ok = false;
        }
        for (flag, ids) in [
            ("--disable-rule", &self.disable_rules),
            ("--enable-rule", &self.enable_rules),
            ("--grant-rule", &self.grant_rules),
        ] {
            for id in ids {
                if let Err(e) = catalog.rule(id) {
                    ui::unknown_id(flag, &e);
                    ok = false;
                }
            }
        }
        for name in &self.buyer_attributes {
            if let Err(e) = check_buyer_attribute(catalog, name) {
                ui::unknown_id("--buyer-attribute", &e);
                ok = false;
            }
        }
        if !ok {
            return Err(Failure::User);
        }
        Ok(PolicyOptions {
            disabled_rules: self.disable_rules.clone(),
            enabled_rules: self.enable_rules.clone(),
            assume_licences_granted: self.assume_licences,
            granted_rules: self.grant_rules.clone(),
        })
    }
}

/// Run `fleetplan policy ...`.
pub fn run(catalog: &Catalog, args: &PolicyCommand) -> Result<(), Failure> {
    match args {
        PolicyCommand::Check(a) => check(catalog, a),
        PolicyCommand::Matrix(a) => matrix(catalog, a),
    }
}

/// JSON form of one `policy check` answer.
#[derive(Serialize)]
struct CheckJson<'a> {
    chip: &'a str,
    site: &'a str,
    buyer_hq: &'a str,
    buyer_attributes: &'a [String],
    date: Date,
    ownership: Ownership,
    tpp: f64,
    performance_density: Option<f64>,
    classification_oct2022: String,
    classification_oct2023: String,
    /// First quarter the chip can be bought or leased (catalog `available`).
    available: Quarter,
    /// Whether it can be had on the date at all (`false`: the verdict is hypothetical).
    available_on_date: bool,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

fn check(catalog: &Catalog, args: &CheckArgs) -> Result<(), Failure> {
    // Both ids are checked before failing, so that one run reports both mistakes.
    let chip = catalog.accelerator(&args.chip).map_err(|e| unknown("--chip", &e));
    let site = catalog.region(&args.site).map_err(|e| unknown("--site", &e));
    let (Ok(chip), Ok(site)) = (chip, site) else { return Err(Failure::User) };
    let q = &args.query;
    let options = q.options(catalog)?;
    let query = q.query(chip, site);
    let verdict = judge(catalog, &query, &options);
    let metrics = chip_metrics(chip);
    let available_on_date = chip.available_in(Quarter::of_date(q.date));
    if q.print.is_json() {
        let json = CheckJson {
            chip: &chip.id,
            site: &site.id,
            buyer_hq: &q.buyer_hq,
            buyer_attributes: &q.buyer_attributes,
            date: q.date,
            ownership: q.ownership(),
            tpp: metrics.tpp,
            performance_density: metrics.performance_density,
            classification_oct2022: metrics.oct2022.to_string(),
            classification_oct2023: metrics.oct2023.to_string(),
            available: chip.available,
            available_on_date,
            verdict: &verdict,
        };
        out(&to_json(&json)?);
        return Ok(());
    }
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
    let options = q.options(catalog)?;
    // A chip that cannot be had yet on the date has no meaningful verdict: it is left out and named.
    let quarter = Quarter::of_date(q.date);
    let (chips, not_yet): (Vec<&Accelerator>, Vec<&Accelerator>) =
        catalog.accelerators.iter().partition(|chip| chip.available_in(quarter));
    let verdicts: Vec<Vec<Verdict>> = chips
        .iter()
        .map(|chip| catalog.regions.iter().map(|site| judge(catalog, &q.query(chip, site), &options)).collect())
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

/// JSON form of one rule in `fleetplan catalog rules --json`: the catalog entry plus its
/// computed end date.
#[derive(Serialize)]
struct RuleJson<'a> {
    #[serde(flatten)]
    rule: &'a Rule,
    /// First day it no longer applies (from `ends` or `rescinded_by`).
    end_date: Option<Date>,
    /// Whether it was rescinded before it took effect.
    never_in_force: bool,
    /// Short description of what it covers.
    scope: String,
}

/// Print the rules table (`fleetplan catalog rules`): id, effective, ends, action, scope,
/// citation; or, with `json`, an object keyed by rule id.
pub fn print_rules(catalog: &Catalog, json: bool) -> Result<(), Failure> {
    if json {
        let map: BTreeMap<&str, RuleJson> = catalog
            .rules
            .iter()
            .map(|r| {
                let entry = RuleJson {
                    rule: r,
                    end_date: r.end_date(catalog),
                    never_in_force: r.never_in_force(catalog),
                    scope: r.scope(),
                };
                (r.id.as_str(), entry)
            })
            .collect();
        out(&to_json(&map)?);
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
