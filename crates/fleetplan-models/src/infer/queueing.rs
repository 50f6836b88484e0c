//! Queueing for every pool that serves Poisson arrivals under a TTFT limit (the server mode's
//! aggregated instances, and the prefill and decode pools of a disaggregated deployment):
//! Erlang C (M/M/c) and the largest arrival rate whose p99 queueing wait fits a budget. The one
//! home of the queueing formula.

/// Erlang-C probability that an arrival waits, for `servers` servers and offered load
/// `offered = λ/μ` (`offered < servers`), through the numerically stable Erlang-B recursion.
pub fn erlang_c(servers: f64, offered: f64) -> f64 {
    if offered <= 0.0 {
        return 0.0;
    }
    if offered >= servers {
        return 1.0;
    }
    // Erlang B from k = 0 (B = 1); for large loads from k₀ = a − 12√a, where B ≈ 1 − k₀/a and
    // the recursion's contraction over the next 12√a steps (∏ k/a ≈ e^{−72}) removes the
    // start's error: O(√a) instead of O(c) steps.
    let start = (offered - 12.0 * offered.sqrt()).floor();
    let (mut erlang_b, first) = if start >= 1.0 { (1.0 - start / offered, start as u64 + 1) } else { (1.0, 1) };
    let whole_servers = servers as u64;
    let rho = offered / servers;
    // Past k = a the recursion only shrinks B (B_k < B_{k−1} when k > a), and C ≤ B / (1 − ρ):
    // once B is below 1e-17 · (1 − ρ) the rest of the recursion changes C by less than 1e-17,
    // so it stops there (about a + 9√a steps at light load instead of c).
    let negligible = 1e-17 * (1.0 - rho);
    for k in first..=whole_servers {
        erlang_b = offered * erlang_b / (k as f64 + offered * erlang_b);
        if erlang_b < negligible && k as f64 > offered {
            break;
        }
    }
    (erlang_b / (1.0 - rho * (1.0 - erlang_b))).clamp(0.0, 1.0)
}

/// Largest arrival rate (requests/s) an M/M/c queue with `servers` slots each serving for
/// `service_s` sustains with P(wait > `wait_budget_s`) ≤ 1 %: `P(W > t) = C(c, a) · e^{−(cμ − λ)t}`.
/// A budget of 0 asks that 99 % of arrivals find a free server (`C(c, a) ≤ 1 %`); a negative
/// budget gives 0.
///
/// The root of `ln P(W > t) − ln 0.01` (increasing in λ) is bracketed between 0 and `cμ` and
/// found by regula falsi with the Illinois modification (bisection where a secant step leaves
/// the bracket): about ten Erlang-C evaluations instead of forty bisection steps. The returned
/// rate always meets the budget (the bracket's lower end).
pub fn max_rate_for_wait(servers: f64, service_s: f64, wait_budget_s: f64) -> f64 {
    if wait_budget_s < 0.0 || wait_budget_s.is_nan() {
        return 0.0;
    }
    let mu = 1.0 / service_s;
    let capacity = servers * mu;
    let log_target = 0.01f64.ln();
    // ln P(W > t) − ln 0.01: ≤ 0 where λ meets the budget.
    let excess = |lambda: f64| erlang_c(servers, lambda / mu).ln() - (capacity - lambda) * wait_budget_s - log_target;
    let (mut lo, mut hi) = (0.0, capacity);
    // At λ = 0 nobody waits (ln 0 = −∞); at λ = cμ everyone does (C = 1, no time to drain).
    let (mut excess_lo, mut excess_hi) = (f64::NEG_INFINITY, -log_target);
    // Which end moved last (−1 low, +1 high), for the Illinois halving.
    let mut last_moved = 0;
    for _ in 0..200 {
        if hi - lo <= 1e-12 * capacity {
            break;
        }
        let secant = (lo * excess_hi - hi * excess_lo) / (excess_hi - excess_lo);
        let next = if secant > lo && secant < hi { secant } else { 0.5 * (lo + hi) };
        let value = excess(next);
        if value <= 0.0 {
            (lo, excess_lo) = (next, value);
            // Within 1e-9 of the target in log space: P(W > t) is 1 % to nine digits.
            if value > -1e-9 {
                break;
            }
            if last_moved == -1 {
                excess_hi *= 0.5;
            }
            last_moved = -1;
        } else {
            (hi, excess_hi) = (next, value);
            if last_moved == 1 {
                excess_lo *= 0.5;
            }
            last_moved = 1;
        }
    }
    lo
}

/// Utilisation (0–1) at which a pool of `servers` slots, each busy `service_s` per request,
/// meets a p99 queueing wait of `wait_budget_s` ([`max_rate_for_wait`]; 1 for an unlimited
/// budget, 0 for a negative one). A pool's queue-limited rates are its saturated rates times
/// this.
pub fn utilisation_for_wait(servers: f64, service_s: f64, wait_budget_s: f64) -> f64 {
    if wait_budget_s.is_infinite() && wait_budget_s > 0.0 {
        return 1.0;
    }
    let capacity = servers / service_s;
    if !(capacity.is_finite() && capacity > 0.0) {
        return 0.0;
    }
    (max_rate_for_wait(servers, service_s, wait_budget_s) / capacity).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_longer_wait_budget_allows_a_higher_utilisation() {
        let at = |budget_s| utilisation_for_wait(16.0, 1.0, budget_s);
        assert!(at(0.0) > 0.0 && at(0.0) < at(0.1) && at(0.1) < at(1.0) && at(1.0) < 1.0);
        assert_eq!(at(f64::INFINITY), 1.0);
        assert_eq!(at(-1.0), 0.0);
        // More servers at the same budget run fuller (the economy of scale of M/M/c).
        assert!(utilisation_for_wait(64.0, 1.0, 0.0) > at(0.0));
    }

    /// Erlang B by the full recursion from k = 0.
    fn erlang_c_full(servers: f64, offered: f64) -> f64 {
        let mut erlang_b = 1.0;
        for k in 1..=servers as u64 {
            erlang_b = offered * erlang_b / (k as f64 + offered * erlang_b);
        }
        let rho = offered / servers;
        (erlang_b / (1.0 - rho * (1.0 - erlang_b))).clamp(0.0, 1.0)
    }

    /// The rate by forty bisection steps on P(W > t) ≤ 1 % (the method before regula falsi).
    fn max_rate_by_bisection(servers: f64, service_s: f64, wait_budget_s: f64) -> f64 {
        let mu = 1.0 / service_s;
        let capacity = servers * mu;
        let meets = |lambda: f64| erlang_c(servers, lambda / mu) * (-(capacity - lambda) * wait_budget_s).exp() <= 0.01;
        let (mut lo, mut hi) = (0.0, capacity);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if meets(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    #[test]
    fn regula_falsi_finds_the_bisection_rate_and_meets_the_budget() {
        for (servers, service_s, budget_s) in [
            (1.0, 1.0, 0.0),
            (8.0, 2.0, 0.5),
            (42.3, 0.41, 1.2),
            (232.0, 26.1, 1.88),
            (752.0, 80.3, 2.06),
            (32_768.0, 30.0, 1.5),
            (16.0, 1.0, 100.0),
        ] {
            let (fast, reference) =
                (max_rate_for_wait(servers, service_s, budget_s), max_rate_by_bisection(servers, service_s, budget_s));
            let capacity = servers / service_s;
            assert!(
                (fast - reference).abs() <= 1e-7 * capacity,
                "{servers}/{service_s}/{budget_s}: {fast} vs {reference}"
            );
            let wait = erlang_c(servers, fast * service_s) * (-(capacity - fast) * budget_s).exp();
            assert!(wait <= 0.01 * (1.0 + 1e-9), "{servers}/{service_s}/{budget_s}: P(W > t) = {wait}");
        }
    }

    #[test]
    fn the_shortened_recursion_matches_the_full_one() {
        for (servers, load) in
            [(8.0, 0.7), (300.0, 0.9), (2000.0, 0.97), (20_000.0, 0.99), (20_000.0, 0.5), (20_000.0, 0.01), (64.0, 0.3)]
        {
            let (fast, full) = (erlang_c(servers, servers * load), erlang_c_full(servers, servers * load));
            assert!((fast - full).abs() <= 1e-12 + 1e-9 * full, "{servers} at {load}: {fast} vs {full}");
        }
    }
}
