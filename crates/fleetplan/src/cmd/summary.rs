//! Building blocks of the one-screen table outputs of `evaluate` and `optimize`
//! (docs/evaluation.md, "Table output"): a frameless table, findings grouped by kind, the pools
//! with the most idle cost, the idle advisories in one line and the largest serving pool of a
//! workload. Long horizons are summarised here, never by dropping data from `--format json` or
//! the `--out DIR` report, which keep every row.

use comfy_table::Table;
use fleetplan_engines::eval::{Evaluation, IDLE_ADVISORY_SHARE, Violation};
use fleetplan_engines::rating::ServingConfig;
use std::borrow::Borrow;

/// Lines of one screen: the most the `evaluate` summary prints for a 12-quarter scenario.
pub const SCREEN_LINES: usize = 50;
/// Columns of one screen: no summary line is wider.
pub const SCREEN_COLUMNS: usize = 160;
/// Pools the idle table lists (the ones with the most idle cost over the horizon).
pub const TOP_IDLE_POOLS: usize = 5;
/// Where every row is: the hint printed under a shortened list.
pub const ALL_ROWS: &str = "--format json or --out DIR for all";

/// An empty table for the summaries: a header rule and column separators, no frame, so a table
/// of `n` rows takes `n + 2` lines.
pub fn table() -> Table {
    let mut table = Table::new();
    table.load_preset("     ═╪ ┆          ");
    table
}

/// A table's text, each line without trailing blanks, ending in a newline.
pub fn render(t: &Table) -> String {
    t.to_string().lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

/// `s` cut to `n` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n.saturating_sub(1)).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Findings under `title`, in at most `max_lines` lines (at least one): a line counting them by
/// kind, then examples grouped by kind, taken in turn from every kind (the first of each, then
/// the second, …) with their fix (not repeated when the kind's previous example has the same
/// one), and a last line saying how many are not shown (with one line: the count and where to
/// find them). Kinds keep the order in which they first appear. Empty without findings.
pub fn findings<V: Borrow<Violation>>(title: &str, findings: &[V], max_lines: usize) -> String {
    let mut kinds: Vec<(&str, Vec<&Violation>)> = Vec::new();
    for v in findings.iter().map(Borrow::borrow) {
        match kinds.iter_mut().find(|(k, _)| *k == v.kind.as_str()) {
            Some((_, list)) => list.push(v),
            None => kinds.push((v.kind.as_str(), vec![v])),
        }
    }
    if kinds.is_empty() {
        return String::new();
    }
    let counts: Vec<String> = kinds.iter().map(|(k, list)| format!("{k} {}", list.len())).collect();
    let head = format!("{title}: {} ({})", findings.len(), counts.join(", "));
    if max_lines < 2 {
        return truncate(&format!("{head}; {ALL_ROWS}"), SCREEN_COLUMNS) + "\n";
    }
    let mut s = truncate(&head, SCREEN_COLUMNS) + "\n";
    // Examples chosen in turns over the kinds while they fit beside the count and "more" lines.
    let mut shown: Vec<Vec<usize>> = vec![Vec::new(); kinds.len()];
    let mut free = max_lines.saturating_sub(2);
    'turns: for turn in 0.. {
        let mut any = false;
        for (k, (_, list)) in kinds.iter().enumerate() {
            let Some(v) = list.get(turn) else { continue };
            any = true;
            let same_fix = shown[k].last().is_some_and(|&i| list[i].fix == v.fix);
            let lines = if same_fix { 1 } else { 2 };
            let last = shown.iter().map(Vec::len).sum::<usize>() + 1 == findings.len();
            if lines > free + usize::from(last) {
                break 'turns;
            }
            free = free.saturating_sub(lines);
            shown[k].push(turn);
        }
        if !any {
            break;
        }
    }
    for ((kind, list), picked) in kinds.iter().zip(&shown) {
        let mut fix: Option<&str> = None;
        for &i in picked {
            let v = list[i];
            let quarter = v.quarter.map(|q| format!(" {q}")).unwrap_or_default();
            let line = format!("  [{kind}{quarter}] {}: {}", v.subject, v.message);
            s.push_str(&truncate(&line, SCREEN_COLUMNS));
            s.push('\n');
            if fix != Some(v.fix.as_str()) {
                s.push_str(&truncate(&format!("      fix: {}", v.fix), SCREEN_COLUMNS));
                s.push('\n');
                fix = Some(&v.fix);
            }
        }
    }
    let hidden = findings.len() - shown.iter().map(Vec::len).sum::<usize>();
    if hidden > 0 {
        s.push_str(&format!("  … {hidden} more ({ALL_ROWS})\n"));
    }
    s
}

/// The idle advisories in two lines: how many pool-quarters are more than 20 % idle at the peak
/// hour and what their idle part costs, then the fix; empty without advisories.
pub fn idle_advisories(e: &Evaluation) -> String {
    let Some(first) = e.advisories.first() else { return String::new() };
    let cost: f64 = e.idle.iter().filter(|p| p.idle_share > IDLE_ADVISORY_SHARE).map(|p| p.idle_cost).sum();
    let head = format!(
        "advisories: idle {} (pool-quarters more than {:.0} % idle at the peak hour, {} of idle cost; {ALL_ROWS})",
        e.advisories.len(),
        100.0 * IDLE_ADVISORY_SHARE,
        fleetplan_core::format::money(cost, &e.currency),
    );
    format!("{head}\n{}\n", truncate(&format!("      fix: {}", first.fix), SCREEN_COLUMNS))
}

/// One (site, chip) pool's idle accelerators over the horizon.
struct PoolTotal<'a> {
    site: &'a str,
    chip: &'a str,
    cost: f64,
    quarters: usize,
    flagged: usize,
    worst: &'a fleetplan_engines::eval::PoolIdle,
}

/// The pools with idle accelerators at the peak hour, most idle cost over the horizon first:
/// a title line, then the top [`TOP_IDLE_POOLS`] with their idle cost, the quarter with the
/// largest idle share ("idle / in service (share)") and the quarters more than 20 % idle.
/// Empty when no pool is ever idle.
pub fn idle_pools(e: &Evaluation) -> String {
    let mut pools: Vec<PoolTotal<'_>> = Vec::new();
    for p in &e.idle {
        let flagged = usize::from(p.idle_share > IDLE_ADVISORY_SHARE);
        match pools.iter_mut().find(|t| t.site == p.site && t.chip == p.chip) {
            Some(t) => {
                t.cost += p.idle_cost;
                t.quarters += 1;
                t.flagged += flagged;
                if p.idle_share > t.worst.idle_share {
                    t.worst = p;
                }
            }
            None => pools.push(PoolTotal {
                site: &p.site,
                chip: &p.chip,
                cost: p.idle_cost,
                quarters: 1,
                flagged,
                worst: p,
            }),
        }
    }
    pools.retain(|t| t.worst.idle_accelerators > 0);
    if pools.is_empty() {
        return String::new();
    }
    pools.sort_by(|a, b| b.cost.total_cmp(&a.cost).then(a.site.cmp(b.site)).then(a.chip.cmp(b.chip)));
    let cur = &e.currency;
    let mut t = table();
    t.set_header(vec![
        "site".to_string(),
        "chip".to_string(),
        format!("idle cost {cur}"),
        "worst quarter: idle / in service".to_string(),
        format!("quarters > {:.0} % idle", 100.0 * IDLE_ADVISORY_SHARE),
    ]);
    for p in pools.iter().take(TOP_IDLE_POOLS) {
        let n = |x: u64| fleetplan_core::format::human(x as f64);
        let w = p.worst;
        t.add_row(vec![
            p.site.to_string(),
            p.chip.to_string(),
            fleetplan_core::format::num(p.cost),
            format!("{} {} / {} ({:.0} %)", w.quarter, n(w.idle_accelerators), n(w.accelerators), 100.0 * w.idle_share),
            format!("{} of {}", p.flagged, p.quarters),
        ]);
    }
    let which = if pools.len() > TOP_IDLE_POOLS {
        format!("the {TOP_IDLE_POOLS} of {} pools with the most idle cost; {ALL_ROWS}", pools.len())
    } else {
        format!("{} pool(s), most idle cost first", pools.len())
    };
    format!("Idle accelerators at the peak hour over the horizon ({which})\n{}", render(&t))
}

/// The chip serving most of `workload` in the last quarter, as "chip × accelerators", with
/// "(+N chip types)" when other chips serve it too and, for chat, its serving configuration
/// (see [`configuration`]); `None` when nothing serves it.
pub fn largest_pool(e: &Evaluation, workload: &str) -> Option<String> {
    let last = e.quarters.last()?.quarter;
    let w = e.workloads.iter().find(|w| w.workload == workload && w.quarter == last)?;
    let mut chips: Vec<(&str, f64)> = Vec::new();
    for a in w.allocation.iter().filter(|a| a.accelerators > 0.0) {
        match chips.iter_mut().find(|(c, _)| *c == a.chip.as_str()) {
            Some((_, n)) => *n += a.accelerators,
            None => chips.push((a.chip.as_str(), a.accelerators)),
        }
    }
    chips.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let &(chip, accelerators) = chips.first()?;
    let mut s = format!("{chip} × {}", fleetplan_core::format::human(accelerators.ceil()));
    if chips.len() > 1 {
        let more = chips.len() - 1;
        s.push_str(&format!(" (+{more} chip type{})", if more == 1 { "" } else { "s" }));
    }
    if let Some(config) =
        e.rates.iter().find(|r| r.workload == workload && r.chip == chip).and_then(|r| r.serving.as_ref())
    {
        s.push_str(&format!(": {}", configuration(config)));
    }
    Some(s)
}

/// A serving configuration in few characters: "agg 8 tp8" or "P/D 16 dp16·ep16 + 32 dp32·ep32,
/// 1.63:1" (instance chips with the parallel degrees above 1, prefill chips per decode chip);
/// the full form is `rates[].serving` in the JSON.
pub fn configuration(config: &ServingConfig) -> String {
    let degrees = |tp: u32, pp: u32, dp: u32, ep: u32| {
        let parts: Vec<String> = [("tp", tp), ("pp", pp), ("dp", dp), ("ep", ep)]
            .iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, n)| format!("{name}{n}"))
            .collect();
        if parts.is_empty() { "tp1".to_string() } else { parts.join("·") }
    };
    match config {
        ServingConfig::Aggregated { instance_chips, layout: l } => {
            format!("agg {instance_chips} {}", degrees(l.tp, l.pp, l.dp, l.ep))
        }
        ServingConfig::Disaggregated {
            prefill_chips,
            prefill_layout: p,
            decode_chips,
            decode_layout: d,
            prefill_per_decode_chip,
            ..
        } => format!(
            "P/D {prefill_chips} {} + {decode_chips} {}, {prefill_per_decode_chip:.2}:1",
            degrees(p.tp, p.pp, p.dp, p.ep),
            degrees(d.tp, d.pp, d.dp, d.ep)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetplan_engines::eval::ViolationKind;

    fn finding(kind: ViolationKind, i: usize, fix: &str) -> Violation {
        Violation { kind, subject: format!("s{i}"), quarter: None, message: format!("m{i}"), fix: fix.to_string() }
    }

    /// 7 demand findings with fixes of their own, 3 latency ones sharing a fix, 1 budget one.
    fn findings_list() -> Vec<Violation> {
        let mut v: Vec<Violation> = (0..7).map(|i| finding(ViolationKind::Demand, i, &format!("add {i}"))).collect();
        v.extend((7..10).map(|i| finding(ViolationKind::Latency, i, "another chip")));
        v.push(finding(ViolationKind::Budget, 10, "spend less"));
        v
    }

    #[test]
    fn findings_fit_their_lines_count_every_kind_and_say_how_many_are_left_out() {
        let list = findings_list();
        assert_eq!(
            findings("violations", &list, 1),
            "violations: 11 (demand 7, latency 3, budget 1); --format json or --out DIR for all\n"
        );
        for max_lines in 2..30 {
            let s = findings("violations", &list, max_lines);
            let lines: Vec<&str> = s.lines().collect();
            assert!(lines.len() <= max_lines, "{max_lines}: {} lines\n{s}", lines.len());
            assert_eq!(lines[0], "violations: 11 (demand 7, latency 3, budget 1)");
            let shown = lines.iter().filter(|l| l.starts_with("  [")).count();
            let more = lines
                .last()
                .and_then(|l| l.strip_prefix("  … "))
                .map_or(0, |m| m.split(' ').next().unwrap().parse::<usize>().unwrap());
            assert_eq!(shown + more, list.len(), "{max_lines}:\n{s}");
            // Every example shown keeps its fix in view: the line below it or the same fix above.
            for i in (0..lines.len()).filter(|&i| lines[i].starts_with("  [demand")) {
                assert!(lines[i + 1].starts_with("      fix: add"), "{max_lines}:\n{s}");
            }
        }
    }

    #[test]
    fn findings_take_kinds_in_turn_and_group_them() {
        // 2 + 2 (demand) + 2 (latency) + 2 (budget) + 2 (demand) + 1 (latency, same fix) = 11.
        let s = findings("violations", &findings_list(), 11);
        let kinds: Vec<&str> =
            s.lines().filter_map(|l| l.strip_prefix("  [")).map(|l| l.split(']').next().unwrap()).collect();
        assert_eq!(kinds, ["demand", "demand", "latency", "latency", "budget"], "\n{s}");
        assert_eq!(s.matches("fix: another chip").count(), 1, "a shared fix is printed once:\n{s}");
        assert!(s.ends_with("  … 6 more (--format json or --out DIR for all)\n"), "{s}");
        assert_eq!(findings("violations", &[] as &[Violation], 10), "");
        // All of them when the lines allow: no "more" line.
        let all = findings("violations", &findings_list(), 100);
        assert_eq!(all.lines().filter(|l| l.starts_with("  [")).count(), 11);
        assert!(!all.contains('…'), "{all}");
    }

    #[test]
    fn truncate_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate("idle × 4", 8), "idle × 4");
        assert_eq!(truncate("idle × 40", 8), "idle × …");
    }
}
