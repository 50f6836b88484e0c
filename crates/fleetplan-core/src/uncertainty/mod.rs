//! Uncertain inputs of a scenario, declared once: what may vary, how ([`Distribution`]), how
//! inputs move together ([`RankCorrelation`]), and how one sampled world is built ([`Sampled`]).
//!
//! An [`UncertaintyModel`] gathers the scenario's `[uncertainty]` section ([`UncertaintySpec`],
//! resolved by scenario validation) and the catalog's default distributions for the catalog
//! entries the scenario uses (`defaults`: price ranges, confidence bands, the performance
//! model's prediction intervals as per-family efficiency factors); a scenario entry overrides a
//! default of the same path. [`UncertaintyModel::draw`] samples rows of values (Latin hypercube,
//! Iman–Conover rank correlations; `sample`), [`UncertaintyModel::apply`] writes one row into
//! copies of the scenario and catalog (`apply`), keeping every value inside its field's
//! physical range. Paths and their meaning live in `target`. docs/uncertainty.md is the
//! user-facing description. Sweeps (`fleetplan sweep`) and robust plans build on this module.
//!
//! No I/O, no global state: the same (seed, samples) gives the same rows on any thread.

mod apply;
mod defaults;
mod distribution;
mod sample;
mod spec;
mod target;

pub use distribution::{Distribution, Z80, normal_quantile};
pub use spec::{
    BernoulliParams, CorrelationEntry, DistributionEntry, LogNormalParams, NormalParams, SpecCorrelation, SpecInput,
    TriangularParams, UncertaintySection, UncertaintySpec, UniformParams,
};

use crate::catalog::{Catalog, ChipId};
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) use target::{Target as TargetInfo, resolve as resolve_path};

/// The paths of the catalog defaults that apply to `scenario` (correlations may name them).
pub(crate) fn catalog_default_paths(scenario: &Scenario, catalog: &Catalog) -> Vec<String> {
    defaults::catalog_defaults(scenario, catalog).into_iter().map(|(path, _)| path).collect()
}

/// Whether two resolved paths vary the same value (the same field, or a workload's growth rate
/// and its growth multiplier).
pub(crate) fn varies_same_value(a: &TargetInfo, b: &TargetInfo) -> bool {
    use target::{Kind, WField};
    let growth = |k: &Kind| match k {
        Kind::Workload { id, field: WField::Growth | WField::GrowthMultiplier } => Some(id.clone()),
        _ => None,
    };
    a.kind == b.kind || growth(&a.kind).is_some_and(|id| growth(&b.kind) == Some(id))
}

/// Whether rank correlations between paths can hold together (their normal-score matrix is
/// positive semi-definite).
pub(crate) fn correlations_consistent(correlations: &[SpecCorrelation]) -> bool {
    let mut paths: Vec<&str> = correlations.iter().flat_map(|c| [c.a.as_str(), c.b.as_str()]).collect();
    paths.sort_unstable();
    paths.dedup();
    let index = |p: &str| paths.iter().position(|q| *q == p).unwrap_or(0);
    let pairs: Vec<(usize, usize, f64)> = correlations.iter().map(|c| (index(&c.a), index(&c.b), c.rho)).collect();
    sample::target_factor(paths.len(), &pairs).is_some()
}

/// What a sampled input changes; a sweep uses it to know what it may cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Affects {
    /// Prices, power prices, budgets, discount rate: money only; serving rates stay valid.
    Cost,
    /// Demand (users, items, growth, training tokens): how much is needed, not how fast chips run.
    Demand,
    /// Serving rates (efficiency, request shape, latency targets): rates must be recomputed.
    Throughput,
    /// Export-control switches: which holdings are allowed.
    Policy,
    /// Anything else (site power, workload weights).
    Other,
}

/// Where an input's distribution comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum InputOrigin {
    /// The scenario's `[uncertainty]` section.
    Scenario,
    /// A catalog default (docs/uncertainty.md, "Catalog defaults").
    CatalogDefault,
}

/// One uncertain input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertainInput {
    /// Dotted path, e.g. "workload.doubao.growth_per_quarter", "option.<name>.price_usd",
    /// "catalog.accelerator.h20.price_usd", "efficiency.<chip family>", "policy.assume_licences_granted".
    pub path: String,
    /// Its distribution, in the field's unit.
    pub distribution: Distribution,
    /// What it changes.
    pub affects: Affects,
    /// Where the distribution comes from.
    pub origin: InputOrigin,
    /// The value the unsampled scenario/catalog uses (what `nominal_values` returns for it).
    pub nominal: f64,
}

/// A rank (Spearman) correlation between two inputs, by index into `UncertaintyModel::inputs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankCorrelation {
    /// Index of the first input.
    pub a: usize,
    /// Index of the second input.
    pub b: usize,
    /// Spearman rank correlation, −1 to 1.
    pub rho: f64,
}

/// Every uncertain input of a scenario, with its correlations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertaintyModel {
    /// The inputs: the scenario's, then the catalog defaults it does not override.
    pub inputs: Vec<UncertainInput>,
    /// Rank correlations between inputs.
    pub correlations: Vec<RankCorrelation>,
}

/// One sampled world: the scenario and catalog with the sampled values written in, and the
/// throughput factor per chip id (1.0 where not sampled) that the performance results are multiplied by.
#[derive(Debug, Clone)]
pub struct Sampled {
    /// The scenario with the sampled scenario values.
    pub scenario: Scenario,
    /// The catalog with the sampled catalog values.
    pub catalog: Catalog,
    /// Factor on every serving and training rate of a chip (sampled efficiency); chips not in
    /// the map keep 1.0.
    pub throughput_factor: BTreeMap<ChipId, f64>,
}

/// Why an uncertainty model cannot be built or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UncertaintyError {
    /// A path names nothing in the scenario or catalog.
    #[error("uncertain input `{path}`: {reason}")]
    UnknownPath {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A distribution's parameters are invalid.
    #[error("uncertain input `{path}`: {problem}")]
    BadDistribution {
        /// The path.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A correlation names an input the model does not have.
    #[error("correlation names `{path}`, which is not an uncertain input of this scenario")]
    UnknownCorrelationInput {
        /// The path.
        path: String,
    },
    /// A correlation coefficient outside [−1, 1] (or not finite).
    #[error("correlation between `{a}` and `{b}` is {rho}: it must be between -1 and 1")]
    RhoOutOfRange {
        /// First path.
        a: String,
        /// Second path.
        b: String,
        /// The coefficient given.
        rho: f64,
    },
    /// The correlations cannot all hold at once.
    #[error("the rank correlations are inconsistent (their matrix is not positive semi-definite)")]
    NotPositiveSemiDefinite,
    /// A row of values has the wrong length.
    #[error("a row of {got} values was given for {expected} uncertain inputs")]
    WrongRowLength {
        /// Number of inputs.
        expected: usize,
        /// Values given.
        got: usize,
    },
}

impl UncertaintyModel {
    /// The scenario's `[uncertainty]` section plus the catalog's default distributions for the
    /// catalog entries the scenario uses.
    pub fn from_scenario(scenario: &Scenario, catalog: &Catalog) -> Result<Self, UncertaintyError> {
        let spec = scenario.uncertainty.clone().unwrap_or_default();
        let mut declared: Vec<(String, Distribution, InputOrigin)> =
            spec.inputs.iter().map(|i| (i.path.clone(), i.distribution.clone(), InputOrigin::Scenario)).collect();
        for (path, distribution) in defaults::catalog_defaults(scenario, catalog) {
            if !declared.iter().any(|(p, _, _)| *p == path) {
                declared.push((path, distribution, InputOrigin::CatalogDefault));
            }
        }
        let mut inputs = Vec::with_capacity(declared.len());
        for (path, distribution, origin) in declared {
            let target = target::resolve(&path, scenario, catalog)
                .map_err(|p| UncertaintyError::UnknownPath { path: path.clone(), reason: p.message })?;
            if let Some(problem) = distribution.parameter_problem() {
                return Err(UncertaintyError::BadDistribution { path, problem });
            }
            let nominal = apply::nominal(&target, scenario, catalog).unwrap_or_else(|| distribution.median());
            inputs.push(UncertainInput { path, distribution, affects: target.affects, origin, nominal });
        }
        let index = |path: &str| {
            inputs
                .iter()
                .position(|i| i.path == path)
                .ok_or_else(|| UncertaintyError::UnknownCorrelationInput { path: path.to_string() })
        };
        let mut correlations = Vec::new();
        for c in &spec.correlations {
            if !(c.rho.is_finite() && (-1.0..=1.0).contains(&c.rho)) {
                return Err(UncertaintyError::RhoOutOfRange { a: c.a.clone(), b: c.b.clone(), rho: c.rho });
            }
            correlations.push(RankCorrelation { a: index(&c.a)?, b: index(&c.b)?, rho: c.rho });
        }
        let model = UncertaintyModel { inputs, correlations };
        model.correlation_factor().map_err(|()| UncertaintyError::NotPositiveSemiDefinite)?;
        Ok(model)
    }

    /// A model with only the given inputs (tests, one-at-a-time analysis).
    pub fn with_inputs(inputs: Vec<UncertainInput>) -> Self {
        UncertaintyModel { inputs, correlations: Vec::new() }
    }

    /// The correlated inputs (sorted indices) and the Cholesky factor of their target
    /// normal-score correlation; `Err` when the correlations are inconsistent.
    #[allow(clippy::type_complexity)]
    fn correlation_factor(&self) -> Result<(Vec<usize>, Vec<Vec<f64>>), ()> {
        let mut members: Vec<usize> = self.correlations.iter().flat_map(|c| [c.a, c.b]).collect();
        members.sort_unstable();
        members.dedup();
        let local = |i: usize| members.iter().position(|&m| m == i).unwrap_or(0);
        let pairs: Vec<(usize, usize, f64)> = self
            .correlations
            .iter()
            .filter(|c| c.a != c.b)
            .map(|c| (local(c.a), local(c.b), c.rho.clamp(-1.0, 1.0)))
            .collect();
        let factor = sample::target_factor(members.len(), &pairs).ok_or(())?;
        Ok((members, factor))
    }

    /// `samples` rows of input values (row = sample, column = input), deterministic in
    /// (seed, samples) only: no dependence on threads. Correlations applied (rank, e.g. Iman–Conover).
    /// Latin hypercube sampling per input (docs/uncertainty.md, "Sampling"); inconsistent
    /// correlations (possible only in a model built by hand) are left out.
    pub fn draw(&self, seed: u64, samples: usize) -> Vec<Vec<f64>> {
        let mut columns: Vec<Vec<f64>> = self
            .inputs
            .iter()
            .map(|input| {
                sample::latin_hypercube(&mut sample::SplitMix64::new(seed, sample::path_key(&input.path)), samples)
            })
            .collect();
        if let Ok((members, factor)) = self.correlation_factor()
            && members.len() >= 2
            && members.iter().all(|&m| m < columns.len())
        {
            let mut sub: Vec<Vec<f64>> = members.iter().map(|&m| std::mem::take(&mut columns[m])).collect();
            let key = members.iter().fold(0u64, |h, &m| h ^ sample::path_key(&self.inputs[m].path).rotate_left(17));
            sample::iman_conover(&mut sub, &factor, &mut sample::SplitMix64::new(seed, key ^ 0x1C0));
            for (&m, column) in members.iter().zip(sub) {
                columns[m] = column;
            }
        }
        (0..samples)
            .map(|row| self.inputs.iter().zip(&columns).map(|(input, u)| input.distribution.quantile(u[row])).collect())
            .collect()
    }

    /// Every input at its nominal value (applying this gives back the unsampled scenario).
    pub fn nominal_values(&self) -> Vec<f64> {
        self.inputs.iter().map(|i| i.nominal).collect()
    }

    /// Write one row of values into copies of the scenario and catalog. A value equal to its
    /// input's nominal leaves the field as it is; others are moved into the field's physical
    /// range first. Efficiency factors of a single chip win over its family's.
    pub fn apply(&self, values: &[f64], scenario: &Scenario, catalog: &Catalog) -> Result<Sampled, UncertaintyError> {
        let mut sampled =
            Sampled { scenario: scenario.clone(), catalog: catalog.clone(), throughput_factor: BTreeMap::new() };
        self.write_row(values, scenario, catalog, &mut sampled)?;
        Ok(sampled)
    }

    /// [`Self::apply`] into `out`, reusing its catalog: `out` from an earlier `apply` or
    /// `apply_into` with the same `catalog` only has the values sampled paths change reset (a
    /// few hundred numbers), instead of a whole catalog clone (about 0.5 ms for the built-in
    /// catalog). Any other `out` is overwritten with a fresh copy. The result equals `apply`'s.
    /// For sweeps: one `Sampled` per worker, reused sample after sample.
    pub fn apply_into(
        &self,
        values: &[f64],
        scenario: &Scenario,
        catalog: &Catalog,
        out: &mut Sampled,
    ) -> Result<(), UncertaintyError> {
        out.scenario.clone_from(scenario);
        if !apply::reset_catalog(&mut out.catalog, catalog) {
            out.catalog = catalog.clone();
        }
        out.throughput_factor.clear();
        self.write_row(values, scenario, catalog, out)
    }

    /// Write one row into `out`, a copy of `scenario` and `catalog`.
    fn write_row(
        &self,
        values: &[f64],
        scenario: &Scenario,
        catalog: &Catalog,
        out: &mut Sampled,
    ) -> Result<(), UncertaintyError> {
        if values.len() != self.inputs.len() {
            return Err(UncertaintyError::WrongRowLength { expected: self.inputs.len(), got: values.len() });
        }
        let mut order: Vec<usize> = (0..self.inputs.len()).collect();
        order.sort_by_key(|&i| target::names_chip(&self.inputs[i].path, catalog));
        for i in order {
            let (input, value) = (&self.inputs[i], values[i]);
            if value == input.nominal {
                continue;
            }
            let target = target::resolve(&input.path, scenario, catalog)
                .map_err(|p| UncertaintyError::UnknownPath { path: input.path.clone(), reason: p.message })?;
            // Scaled writes (mix demand, catalog price series) scale from the value in force.
            let nominal = if apply::scales(&target) {
                apply::nominal(&target, scenario, catalog).unwrap_or(input.nominal)
            } else {
                input.nominal
            };
            let value = target.clamp(value, nominal);
            apply::write(&target, value, nominal, &mut out.scenario, &mut out.catalog, &mut out.throughput_factor);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
