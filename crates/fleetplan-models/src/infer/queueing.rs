//! Queueing for the server mode: Erlang C (M/M/c) and the largest arrival rate whose p99
//! queueing wait fits a budget.

/// Erlang-C probability that an arrival waits, for `servers` servers and offered load
/// `offered = λ/μ` (`offered < servers`), through the numerically stable Erlang-B recursion.
pub fn erlang_c(servers: f64, offered: f64) -> f64 {
    if offered <= 0.0 {
        return 0.0;
    }
    if offered >= servers {
        return 1.0;
    }
    let mut erlang_b = 1.0;
    let whole_servers = servers as u64;
    for k in 1..=whole_servers {
        erlang_b = offered * erlang_b / (k as f64 + offered * erlang_b);
    }
    let rho = offered / servers;
    (erlang_b / (1.0 - rho * (1.0 - erlang_b))).clamp(0.0, 1.0)
}

/// Largest arrival rate (requests/s) an M/M/c queue with `servers` slots each serving for
/// `service_s` sustains with P(wait > `wait_budget_s`) ≤ 1 %: `P(W > t) = C(c, a) · e^{−(cμ − λ)t}`.
pub fn max_rate_for_wait(servers: f64, service_s: f64, wait_budget_s: f64) -> f64 {
    let mu = 1.0 / service_s;
    let capacity = servers * mu;
    let meets_budget = |lambda: f64| {
        let wait_probability = erlang_c(servers, lambda / mu);
        wait_probability * (-(capacity - lambda) * wait_budget_s).exp() <= 0.01
    };
    if wait_budget_s <= 0.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0, capacity);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if meets_budget(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}
