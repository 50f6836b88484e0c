//! `[uncertainty]`: every path names a field of this scenario or the catalog
//! ([`crate::uncertainty`]'s path vocabulary), every distribution has valid parameters, takes
//! values inside its field's physical range (between its 0.1st and 99.9th percentiles; the rarer
//! tail is clamped when sampled, docs/uncertainty.md), switches take Bernoulli distributions,
//! and the rank correlations name known inputs and can hold together.

use super::Checker;
use crate::catalog::Catalog;
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;
use crate::uncertainty::{
    Distribution, SpecCorrelation, SpecInput, UncertaintySection, UncertaintySpec, catalog_default_paths, resolve_path,
    varies_same_value,
};
use std::ops::Range;

/// Probabilities at which a distribution must stay inside its field's range.
const TAIL: f64 = 1e-3;

/// Check `[uncertainty]` against the resolved scenario; `None` without the section.
pub(super) fn check(
    checker: &mut Checker,
    section: Option<&UncertaintySection>,
    scenario: &Scenario,
    catalog: &Catalog,
) -> Option<UncertaintySpec> {
    let section = section?;
    let mut spec = UncertaintySpec::default();
    let mut paths: Vec<(&String, Range<usize>)> =
        section.inputs.keys().map(|p| (p, section.key_spans.get(p).cloned().unwrap_or(0..0))).collect();
    paths.sort_by_key(|(_, span)| span.start);
    let mut kinds = Vec::new();
    for (path, key_span) in paths {
        let full = format!("uncertainty.{path}");
        let value_span = section.value_spans.get(path).cloned().unwrap_or(key_span.clone());
        let target = match resolve_path(path, scenario, catalog) {
            Ok(t) => t,
            Err(problem) => {
                let help = match did_you_mean(path, problem.candidates.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`? docs/uncertainty.md lists every path"),
                    None => {
                        format!("valid here: {}; docs/uncertainty.md lists every path", short_list(&problem.candidates))
                    }
                };
                checker.error(
                    key_span,
                    &full,
                    format!("unknown uncertain input `{path}`: {}", problem.message),
                    "unknown path",
                    help,
                );
                continue;
            }
        };
        let given = section.inputs[path].given();
        let distribution = match given.as_slice() {
            [(_, d)] => d.clone(),
            [] => {
                checker.error(
                    value_span,
                    &full,
                    format!("`{path}` gives no distribution"),
                    "no distribution",
                    "give one of normal, lognormal, triangular, uniform, or p (Bernoulli), e.g. { lognormal = { median = 0.3, sigma = 0.2 } }".into(),
                );
                continue;
            }
            several => {
                let names: Vec<&str> = several.iter().map(|(n, _)| *n).collect();
                checker.error(
                    value_span,
                    &full,
                    format!("`{path}` gives {} distributions ({})", names.len(), names.join(", ")),
                    "one distribution only",
                    "keep exactly one distribution per path".into(),
                );
                continue;
            }
        };
        if let Some(problem) = distribution.parameter_problem() {
            checker.error(
                value_span,
                &full,
                format!("`{path}`: {problem}"),
                "bad parameters",
                parameter_help(&distribution),
            );
            continue;
        }
        let switch = matches!(distribution, Distribution::Bernoulli { .. });
        if target.is_switch() != switch {
            let (message, help) = if switch {
                (
                    format!("`{path}` is a number, not a switch: a Bernoulli distribution gives only 0 or 1"),
                    "give a continuous distribution (normal, lognormal, triangular, uniform)",
                )
            } else {
                (
                    format!("`{path}` is an on/off switch: it takes a probability, not a {}", distribution.kind()),
                    "write { p = 0.3 } for \"on with probability 0.3\"",
                )
            };
            checker.error(value_span, &full, message, "wrong kind of distribution", help.into());
            continue;
        }
        if !switch && !range_ok(checker, &distribution, &target, path, &full, value_span.clone()) {
            continue;
        }
        if let Some((other, _)) = kinds.iter().find(|(_, k)| varies_same_value(k, &target)) {
            checker.error(
                key_span,
                &full,
                format!("`{path}` varies the same value as `{other}`"),
                "duplicate",
                "keep one of the two paths".into(),
            );
            continue;
        }
        kinds.push((path.clone(), target));
        spec.inputs.push(SpecInput { path: path.clone(), distribution });
    }
    spec.correlations = correlations(checker, section, &spec, scenario, catalog);
    Some(spec)
}

/// Whether the distribution's 0.1–99.9 % range stays inside the field's range; a located error if not.
fn range_ok(
    checker: &mut Checker,
    distribution: &Distribution,
    target: &crate::uncertainty::TargetInfo,
    path: &str,
    full: &str,
    span: Range<usize>,
) -> bool {
    let (low, high) = (distribution.quantile(TAIL), distribution.quantile(1.0 - TAIL));
    let below = if target.min_inclusive { low < target.min } else { low <= target.min };
    if !below && high <= target.max {
        return true;
    }
    let (bound, side) = if below { (target.min, "below") } else { (target.max, "above") };
    let share =
        if below { probability_below(distribution, bound) } else { 1.0 - probability_below(distribution, bound) };
    checker.error(
        span,
        full,
        format!(
            "`{path}` must be {}, but this {} goes {side} {} with probability {}",
            target.range_words(),
            distribution.kind(),
            crate::format::given(bound),
            percent(share)
        ),
        "outside the field's range",
        "narrow the distribution, or use a lognormal (always positive) or a triangular with bounds inside the range (docs/uncertainty.md: the rarest 0.1 % of samples are clamped, no more)".into(),
    );
    false
}

/// P(X < x) of a continuous distribution, by bisection on its quantile function.
fn probability_below(distribution: &Distribution, x: f64) -> f64 {
    let (mut low, mut high) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (low + high);
        if distribution.quantile(mid) < x {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// A probability in percent with two significant digits ("5.5 %", "0.12 %").
fn percent(p: f64) -> String {
    let pct = 100.0 * p;
    if pct >= 10.0 {
        format!("{pct:.0} %")
    } else if pct >= 1.0 {
        format!("{pct:.1} %")
    } else {
        format!("{pct:.2} %")
    }
}

fn parameter_help(distribution: &Distribution) -> String {
    match distribution {
        Distribution::Normal { .. } => "normal = { mean = 100, sd = 10 } (sd ≥ 0)",
        Distribution::LogNormal { .. } => {
            "lognormal = { median = 0.3, sigma = 0.2 } (median > 0, sigma 0–5 in ln units)"
        }
        Distribution::Triangular { .. } => "triangular = { low = 8, mode = 10, high = 14 } (low ≤ mode ≤ high)",
        Distribution::Uniform { .. } => "uniform = { low = 8, high = 14 } (low ≤ high)",
        Distribution::Bernoulli { .. } => "p = 0.3 (a probability between 0 and 1)",
    }
    .into()
}

fn short_list(items: &[String]) -> String {
    if items.len() > 8 { format!("{}, … ({} in all)", items[..8].join(", "), items.len()) } else { items.join(", ") }
}

/// Check `[[uncertainty.correlation]]`: known inputs (declared or catalog defaults), two
/// different ones, once per pair, rho in [−1, 1], and all of them consistent together.
fn correlations(
    checker: &mut Checker,
    section: &UncertaintySection,
    spec: &UncertaintySpec,
    scenario: &Scenario,
    catalog: &Catalog,
) -> Vec<SpecCorrelation> {
    let mut known: Vec<String> = spec.inputs.iter().map(|i| i.path.clone()).collect();
    known.extend(catalog_default_paths(scenario, catalog));
    let mut out: Vec<SpecCorrelation> = Vec::new();
    for (i, c) in section.correlation.iter().enumerate() {
        let at = format!("uncertainty.correlation[{i}]");
        let mut ok = true;
        for (field, path) in [("a", &c.a), ("b", &c.b)] {
            if !known.contains(path.get()) {
                let help = match did_you_mean(path, known.iter().map(String::as_str)) {
                    Some(s) => {
                        format!("did you mean `{s}`? a correlation names a path of [uncertainty] or a catalog default")
                    }
                    None => format!("inputs of this scenario: {}", short_list(&known)),
                };
                checker.error(
                    path.span(),
                    &format!("{at}.{field}"),
                    format!("`{}` is not an uncertain input of this scenario", path.get()),
                    "unknown input",
                    help,
                );
                ok = false;
            }
        }
        if !(c.rho.is_finite() && (-1.0..=1.0).contains(&*c.rho)) {
            let written = checker.written(&c.rho.span());
            checker.error(
                c.rho.span(),
                &format!("{at}.rho"),
                format!("rank correlation {written} is outside -1 to 1"),
                "outside -1..1",
                "give rho between -1 and 1 (0.6: the two tend to move together)".into(),
            );
            ok = false;
        }
        if ok && c.a.get() == c.b.get() {
            checker.error(
                c.b.span(),
                &format!("{at}.b"),
                format!("a correlation of `{}` with itself", c.b.get()),
                "same input",
                "name two different inputs".into(),
            );
            ok = false;
        }
        let pair = |x: &SpecCorrelation| (x.a == *c.a && x.b == *c.b) || (x.a == *c.b && x.b == *c.a);
        if ok && out.iter().any(pair) {
            checker.error(
                c.a.span(),
                &at,
                format!("the correlation of `{}` and `{}` is given twice", c.a.get(), c.b.get()),
                "duplicate",
                "keep one entry per pair".into(),
            );
            ok = false;
        }
        if !ok {
            continue;
        }
        out.push(SpecCorrelation { a: c.a.get().clone(), b: c.b.get().clone(), rho: *c.rho });
        if !crate::uncertainty::correlations_consistent(&out) {
            checker.error(
                c.rho.span(),
                &format!("{at}.rho"),
                format!("rho = {} cannot hold together with the correlations above it (the matrix is not positive semi-definite)", *c.rho),
                "inconsistent",
                "e.g. a~b 0.9 and b~c 0.9 force a~c above 0.6: weaken one of the correlations".into(),
            );
            out.pop();
        }
    }
    out
}
