//! `fleetplan optimize FILE --robust K [--quantile q] [--seed S]`: a plan that serves demand in
//! at least the share q of K sampled futures (docs/planner.md, "Robust plans"). The output is
//! `optimize`'s (table, `--format json`, `--out DIR` with plan.toml) with the robustness report:
//! the futures served (by the evaluator), the cost of robustness against the nominal plan, and
//! one row per future.

use super::super::args::user_error;
use super::super::{Failure, out, to_json};
use super::{Format, OptimizeArgs, summary, write_plan};
use crate::cmd::summary as shared;
use crate::ui;
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::money;
use fleetplan_core::scenario::Scenario;
use fleetplan_engines::plan::PlanOptions;
use fleetplan_engines::plan::robust::{
    DEFAULT_QUANTILE, RobustOptions, RobustPlan, RobustReport, check_settings, draw_futures, plan_robust,
};
use fleetplan_io::api::plan::{PlanDocument, valley_of};

/// Futures listed one by one; more are summarised.
const FUTURE_ROWS: usize = 20;

/// Check the robust flags before the scenario is read: K and the quantile in range, and
/// `--quantile`/`--seed` only with `--robust`.
pub(super) fn check_flags(args: &OptimizeArgs) -> Result<(), Failure> {
    match args.robust {
        Some(futures) => {
            check_settings(futures, args.quantile.unwrap_or(DEFAULT_QUANTILE)).map_err(user_error)?;
        }
        None if args.quantile.is_some() || args.seed.is_some() => {
            return Err(user_error("--quantile and --seed apply to robust plans: add --robust K (e.g. --robust 20)"));
        }
        None => {}
    }
    Ok(())
}

/// Draw the futures, plan robustly, and print (and write) the plan with its robustness report.
pub(super) fn run(
    catalog: &Catalog,
    args: &OptimizeArgs,
    s: &Scenario,
    (name, text): (&str, &str),
    futures: usize,
    plan: PlanOptions,
) -> Result<(), Failure> {
    let seed = args.seed.unwrap_or(0);
    let options = RobustOptions { quantile: args.quantile.unwrap_or(DEFAULT_QUANTILE), seed, plan };
    let drawn = draw_futures(s, catalog, seed, futures).map_err(|e| user_error(format!("{name}: {e}")))?;
    let r = plan_robust(s, catalog, &drawn, &options).map_err(|e| user_error(format!("{name}: {e}")))?;
    let written = args.out.as_ref().map(|dir| write_plan(name, text, &r.plan, dir)).transpose()?;
    match args.format {
        Format::Table => {
            let valley = valley_of(s, catalog, &r.plan);
            out(&format!("{}{}", report(&r), summary(s, &r.plan, valley.as_ref())));
        }
        Format::Json => {
            let mut json = PlanDocument::new(s, catalog, &r.plan);
            json.robust = Some(&r.robust);
            out(&to_json(&json)?);
        }
    }
    if let Some(path) = written {
        ui::status(format!("wrote {}", path.display()));
    }
    let x = &r.robust;
    if x.served < x.required {
        return Err(user_error(format!(
            "{name}: the robust plan serves {} of {} futures, fewer than the {} that --quantile {} asks for: {}; adding the futures left out left no feasible plan (budget, power, supply, or a licence the plan needs); see the futures table",
            x.served,
            x.futures,
            x.required,
            fleetplan_core::format::given(x.quantile),
            why_unserved(x)
        )));
    }
    Ok(())
}

/// Why the unserved futures are unserved: how many break export controls with this plan (a
/// licence sampled as not granted) and how many fall short of demand.
fn why_unserved(x: &RobustReport) -> String {
    let unserved = x.outcomes.iter().filter(|o| !o.served);
    let forbidden = unserved.clone().filter(|o| o.forbidden > 0).count();
    let short = unserved.count() - forbidden;
    format!(
        "{forbidden} unserved future(s) forbid some of the plan's chips (a licence sampled as not granted) and {short} fall short of demand"
    )
}

/// The robustness report: futures served, the cost of robustness, one row per future.
fn report(r: &RobustPlan) -> String {
    let x = &r.robust;
    let cur = &r.plan.currency;
    let mut o = format!(
        "Robust plan over {} sampled futures (seed {}, quantile {}): serves {} of {} ({:.0} %) by the evaluator, {} required; the nominal plan serves {}\n",
        x.futures,
        x.seed,
        fleetplan_core::format::given(x.quantile),
        x.served,
        x.futures,
        100.0 * x.served_share,
        x.required,
        x.nominal_served
    );
    o.push_str(&format!(
        "Cost of robustness: {} ({:+.2} %): robust plan {} vs the nominal plan (median future) {}, economic cost at nominal prices; {} at the futures' expected prices\n",
        signed_money(x.cost_of_robustness, cur),
        x.cost_of_robustness_pct,
        money(x.robust_cost, cur),
        money(x.nominal_cost, cur),
        money(x.expected_cost, cur)
    ));
    o.push_str(&format!(
        "Search: {} solve(s) of the sample-average model, {} future(s) in it besides the nominal one, {} repair(s); {:.1} s in all\n",
        x.rounds, x.futures_in_model, x.repairs, x.total_s
    ));
    o.push_str(&futures_table(x, cur));
    o
}

/// Money with its sign ("+CNY 1.2 B", "-USD 3 k").
fn signed_money(x: f64, currency: &str) -> String {
    let sign = if x < 0.0 { "-" } else { "+" };
    format!("{sign}{}", money(x.abs(), currency))
}

/// One row per future (the first [`FUTURE_ROWS`], unserved ones first).
fn futures_table(x: &RobustReport, cur: &str) -> String {
    let mut rows: Vec<_> = x.outcomes.iter().collect();
    rows.sort_by(|a, b| a.served.cmp(&b.served).then(a.lowest_served.total_cmp(&b.lowest_served)));
    let mut t = shared::table();
    t.set_header(vec![
        "future".to_string(),
        "served".to_string(),
        "lowest served share".to_string(),
        "in model".to_string(),
        format!("evaluator spend {cur}"),
        "violations".to_string(),
    ]);
    for f in rows.iter().take(FUTURE_ROWS) {
        t.add_row(vec![
            f.future.to_string(),
            if f.served { "yes".to_string() } else { "no".to_string() },
            match &f.lowest_at {
                Some(at) => shared::truncate(&format!("{:.1} % ({at})", 100.0 * f.lowest_served), 50),
                None => format!("{:.1} %", 100.0 * f.lowest_served),
            },
            if let Some(why) = f.left_out {
                format!("left out ({why})")
            } else if f.in_model {
                "yes".to_string()
            } else {
                "-".to_string()
            },
            fleetplan_core::format::num(f.spend),
            f.violations.to_string(),
        ]);
    }
    let more = if rows.len() > FUTURE_ROWS {
        format!("… and {} more futures (every future: --format json)\n", rows.len() - FUTURE_ROWS)
    } else {
        String::new()
    };
    format!(
        "\nFutures, unserved first (served: every workload ≥ 99.95 % of peak in every quarter)\n{}{more}\n",
        shared::render(&t)
    )
}
