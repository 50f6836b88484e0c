//! The one home of the physical ranges of a scenario's numbers: the largest value each numeric
//! field accepts. Every bound is far beyond anything a real user could legitimately need (more
//! users than people on Earth, more money than any capex plan in any major currency, more power
//! than a country's grid), so hitting one is an input mistake, and staying under them keeps
//! every derived quantity (demand, chip counts, cost) finite. `docs/scenario.md` ("Ranges")
//! lists the same table.

/// Largest accelerator count of one `[[fleet]]` entry or a simulation (100 million: at
/// ~1 kW each, 100 GW, more than all AI accelerators deployed worldwide).
pub const MAX_ACCELERATORS: u64 = 100_000_000;

/// Largest money amount in the scenario currency (budgets, committed capex, penalties):
/// 10¹⁵ (a quadrillion: 1 000 × the largest yearly AI capex announced, in USD).
pub const MAX_MONEY: f64 = 1e15;

/// Largest value of one numeric scenario field and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldLimit {
    /// Field name as written in the file (the last part of its dotted path, without an index).
    pub field: &'static str,
    /// Largest value accepted, in the field's unit.
    pub max: f64,
    /// Why no real input exceeds it.
    pub why: &'static str,
}

/// The upper bounds of the scenario's numeric fields (lower bounds are each field's own check:
/// positive, non-negative or a fraction).
pub const FIELD_LIMITS: &[FieldLimit] = &[
    FieldLimit { field: "daily_users", max: 1e10, why: "more people than live on Earth" },
    FieldLimit { field: "monthly_users", max: 1e10, why: "more people than live on Earth" },
    FieldLimit { field: "requests_per_user_per_day", max: 1e6, why: "more than ten requests a second, all day" },
    FieldLimit { field: "input_tokens_per_request", max: 1e8, why: "far beyond any model's context" },
    FieldLimit { field: "output_tokens_per_request", max: 1e8, why: "far beyond any model's context" },
    FieldLimit { field: "items_per_day", max: 1e12, why: "a hundred images or clips per person per day" },
    FieldLimit { field: "steps", max: 1e4, why: "diffusion samplers use 1–100 steps" },
    FieldLimit { field: "latency_p99_s", max: 1e5, why: "more than a day" },
    FieldLimit { field: "ttft_p99_ms", max: 1e7, why: "more than two hours" },
    FieldLimit { field: "tpot_p99_ms", max: 1e6, why: "more than 15 minutes per token" },
    FieldLimit { field: "tokens", max: 1e16, why: "250 × the largest training run published (~4·10¹³ tokens)" },
    FieldLimit { field: "available_mw", max: 1e5, why: "100 GW, the output of a large country's grid" },
    FieldLimit { field: "buildable_mw", max: 1e5, why: "100 GW, the output of a large country's grid" },
    FieldLimit { field: "mw", max: 1e5, why: "100 GW, the output of a large country's grid" },
    FieldLimit { field: "power_usd_per_kwh", max: 100.0, why: "a thousand times a typical industrial tariff" },
    FieldLimit { field: "price_usd", max: 1e9, why: "a billion USD per accelerator or system" },
    FieldLimit { field: "lease_usd_per_hour", max: 1e6, why: "a million USD per accelerator-hour" },
    FieldLimit { field: "total", max: MAX_MONEY, why: "a quadrillion in the scenario currency" },
    FieldLimit { field: "per_quarter", max: MAX_MONEY, why: "a quadrillion in the scenario currency" },
    FieldLimit { field: "per_year", max: MAX_MONEY, why: "a quadrillion in the scenario currency" },
    FieldLimit { field: "capex", max: MAX_MONEY, why: "a quadrillion in the scenario currency" },
    FieldLimit { field: "penalty_per_point", max: MAX_MONEY, why: "a quadrillion in the scenario currency" },
    FieldLimit { field: "weight", max: 1e6, why: "weights are relative; a million to one is enough" },
    FieldLimit { field: "diurnal", max: 1e6, why: "hourly weights are relative" },
    FieldLimit { field: "fx", max: 1e7, why: "units of any currency per USD (the weakest trade near 10⁵)" },
    FieldLimit {
        field: "max_per_quarter",
        max: MAX_ACCELERATORS as f64,
        why: "more accelerators (or systems) a quarter than are deployed worldwide",
    },
];

/// The limit of the field at dotted `path` (`workload[2].daily_users`, `budget.per_year.2027`,
/// `fx.CNY`), if it has one.
pub fn field_limit(path: &str) -> Option<&'static FieldLimit> {
    let name = if path.starts_with("fx.") {
        "fx"
    } else if path.starts_with("budget.per_year") {
        "per_year"
    } else {
        let last = path.rsplit('.').next().unwrap_or(path);
        last.split('[').next().unwrap_or(last)
    };
    FIELD_LIMITS.iter().find(|l| l.field == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_find_their_field_limit() {
        assert_eq!(field_limit("workload[2].daily_users").map(|l| l.max), Some(1e10));
        assert_eq!(field_limit("site[0].build[1].mw").map(|l| l.max), Some(1e5));
        assert_eq!(field_limit("budget.per_quarter[3]").map(|l| l.max), Some(MAX_MONEY));
        assert_eq!(field_limit("budget.per_year.2027").map(|l| l.max), Some(MAX_MONEY));
        assert_eq!(field_limit("fx.CNY").map(|l| l.max), Some(1e7));
        assert_eq!(field_limit("workload[0].diurnal[5]").map(|l| l.max), Some(1e6));
        assert!(field_limit("budget.share[0].min").is_none());
        assert_eq!(field_limit("option[1].max_per_quarter").map(|l| l.max), Some(MAX_ACCELERATORS as f64));
    }
}
