//! `fleetplan sweep FILE --samples N --seed S [--mode evaluate|optimize] [--output NAME]
//! [--out DIR] [--format json]`: Monte Carlo over the scenario's uncertain inputs
//! (`[uncertainty]` plus the catalog's default distributions; docs/uncertainty.md). Prints the
//! p5/p50/p95 of the main outputs, the probabilities of missing demand or an SLO and of a policy
//! violation, and the tornado of `--output`; `--out DIR` writes samples.parquet, samples.csv,
//! summary.json and report.html (all or nothing).

use super::args::{FormatArg, user_error};
use super::{Failure, load_scenario, out, to_json};
use crate::report;
use crate::ui;
use clap::{Args, ValueEnum};
use fleetplan_core::catalog::Catalog;
use fleetplan_core::format::num;
use fleetplan_core::uncertainty::UncertaintyModel;
use fleetplan_engines::sweep::{self, Spread, Sweep, SweepMode};
pub use fleetplan_io::api::sweep::{MAX_SAMPLES, SweepSummary, sweep_settings, unknown_output_message};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Bars of the tornado printed on the screen (summary.json and the report have all).
const TORNADO_ROWS: usize = 10;

/// What each sampled world is put through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Evaluate the scenario's `[[fleet]]`.
    Evaluate,
    /// Plan each sampled world (the planner of `fleetplan optimize`).
    Optimize,
}

/// Arguments of `fleetplan sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (its `[uncertainty]` section and the catalog's default distributions).
    pub file: PathBuf,
    /// Monte Carlo samples.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_SAMPLES as u64))]
    pub samples: u64,
    /// Seed of the draw: the same seed and sample count give the same samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Evaluate the fleet, or plan, in each sampled world.
    #[arg(long, value_enum, default_value = "evaluate")]
    pub mode: ModeArg,
    /// Output the tornado is drawn for (a name of summary.json's `outputs`, e.g. tco_total).
    #[arg(long, value_name = "NAME", default_value = "spend_total")]
    pub output: String,
    /// Directory to write samples.parquet, samples.csv, summary.json and report.html into.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArg,
}

/// Run `fleetplan sweep`.
pub fn run(catalog: &Catalog, args: &SweepArgs) -> Result<(), Failure> {
    let loaded = load_scenario(catalog, &args.file)?;
    let (scenario, name) = (&loaded.scenario, &loaded.input.name);
    let model = UncertaintyModel::from_scenario(scenario, catalog).map_err(|e| user_error(format!("{name}: {e}")))?;
    let samples = usize::try_from(args.samples).unwrap_or(MAX_SAMPLES);
    let mode = match args.mode {
        ModeArg::Evaluate => SweepMode::Evaluate,
        ModeArg::Optimize => SweepMode::Optimize,
    };
    let settings = sweep_settings(samples, args.seed, mode);
    let bar = progress_bar(sweep::runs(&model, settings.samples));
    let result = sweep::sweep(scenario, catalog, &model, &settings, &|| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let result = result.map_err(|e| user_error(format!("{name}: {e}")))?;
    let tornado_output = result.output_index(&args.output).ok_or_else(|| unknown_output(&result, &args.output))?;
    let summary = SweepSummary::new(&scenario.name, &scenario.currency, &result, tornado_output);
    // The files are written (or the command fails) before anything is printed.
    if let Some(dir) = &args.out {
        let mut staged = super::outdir::StagedOut::new(dir)?;
        #[cfg(feature = "parquet")]
        staged.write("samples.parquet", report::samples::parquet(&result).map_err(Failure::Internal)?)?;
        staged.write("samples.csv", report::samples::csv(&result))?;
        staged.write("summary.json", to_json(&summary)? + "\n")?;
        let html = report::sweep::html(&summary, &result);
        staged.write("report.html", html)?;
        staged.commit()?;
    }
    if args.format.is_json() {
        out(&to_json(&summary)?);
    } else {
        out(&screen(&summary));
    }
    if let Some(dir) = &args.out {
        ui::status(format!("wrote samples.parquet, samples.csv, summary.json and report.html to {}", dir.display()));
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal (counting runs: nominal, samples, swings).
fn progress_bar(runs: usize) -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::with_draw_target(Some(runs as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} sweeping [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} runs (ETA {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    })
}

/// `--output NAME` names no output: say which exist (and the closest).
fn unknown_output(result: &Sweep, wrong: &str) -> Failure {
    user_error(format!("--output {}", unknown_output_message(result, wrong)))
}

/// Whether an output is shown on the screen (coverage per quarter and violation counts are in
/// summary.json only).
fn on_screen(name: &str) -> bool {
    ["spend", "tco_total", "economic_cost", "cost_per_m_tokens.", "cost_per_item.", "feasible"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The screen summary: headline, main outputs, probabilities, tornado (and choices).
pub fn screen(s: &SweepSummary) -> String {
    let mut text = format!(
        "{}: {} samples (seed {}, {} mode), {} uncertain inputs{}\n",
        s.scenario,
        s.samples,
        s.seed,
        s.mode.as_str(),
        s.inputs.len(),
        match (s.rates_searched_once, s.training_searched_once) {
            (true, true) => "; rates and training plan searched once",
            (true, false) => "; rates searched once",
            (false, true) => "; training plan searched once",
            (false, false) => "",
        }
    );
    let mut t = super::condensed_table();
    t.set_header(vec!["output", "nominal", "p5", "p50", "p95", "mean"]);
    for o in s.outputs.iter().filter(|o| on_screen(&o.name)) {
        let cell = |v: Option<f64>| v.map_or("-".to_string(), num);
        let sp = o.spread.as_ref();
        t.add_row(vec![
            o.name.clone(),
            cell(o.nominal),
            cell(sp.map(|x| x.p5)),
            cell(sp.map(|x| x.p50)),
            cell(sp.map(|x| x.p95)),
            cell(sp.map(|x| x.mean)),
        ]);
    }
    text.push_str(&format!("{t}\n"));
    let pct = |p: f64| format!("{:.1} %", 100.0 * p);
    if !s.probability_miss_demand.is_empty() {
        let mut t = super::condensed_table();
        t.set_header(vec!["workload", "P(misses demand)", "P(misses SLO)"]);
        for (w, p) in &s.probability_miss_demand {
            t.add_row(vec![w.clone(), pct(*p), s.probability_miss_slo.get(w).map_or("-".into(), |p| pct(*p))]);
        }
        text.push_str(&format!("{t}\n"));
    }
    if let Some(p) = s.probability_policy_violation {
        text.push_str(&format!("P(export-control violation): {}\n", pct(p)));
    }
    if s.tornado.bars.is_empty() {
        text.push_str("no uncertain inputs: every sample is the nominal scenario (add an [uncertainty] section)");
        return text;
    }
    text.push_str(&format!(
        "tornado of {} (nominal {}):\n",
        s.tornado.output,
        s.tornado.nominal.map_or("-".into(), num)
    ));
    let mut t = super::condensed_table();
    t.set_header(vec!["input", "low → high", "output at low", "output at high", "swing"]);
    for bar in s.tornado.bars.iter().take(TORNADO_ROWS) {
        t.add_row(vec![
            bar.input.clone(),
            format!("{} → {}", num(bar.input_low), num(bar.input_high)),
            num(bar.output_at_low),
            num(bar.output_at_high),
            num(bar.swing),
        ]);
    }
    text.push_str(&t.to_string());
    if !s.choices.is_empty() {
        let mut t = super::condensed_table();
        t.set_header(vec!["choice", "chosen", "p5", "p50", "p95"]);
        for c in &s.choices {
            let q = |f: fn(&Spread) -> f64| c.quantity.as_ref().map_or("-".into(), |s| num(f(s)));
            t.add_row(vec![c.name.clone(), pct(c.chosen_share), q(|s| s.p5), q(|s| s.p50), q(|s| s.p95)]);
        }
        text.push_str(&format!("\n{t}"));
    }
    text
}
