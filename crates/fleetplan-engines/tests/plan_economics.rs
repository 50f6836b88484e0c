//! Planner economics (docs/planner.md): a purchase late in the horizon is charged a fraction of
//! one early (capital recovery over the asset life); a build with lead time L adds power only
//! from L quarters on, a committed build from its online quarter; `max-margin` never serves a
//! workload priced below its cheapest serving cost; raising the unserved penalty never lowers
//! served demand; a share target is met only with capacity that serves; rounding to whole
//! servers never breaks a yearly budget cap.

mod fixtures;

use fixtures::{chat_app, header, scenario};
use fleetplan_core::scenario::Scenario;
use fleetplan_engines::plan::{Plan, PlanOptions};

fn catalog() -> fleetplan_core::catalog::Catalog {
    fixtures::catalog()
}

fn run(s: &Scenario) -> Plan {
    fixtures::run_with(s, &catalog(), PlanOptions { explain: false, ..PlanOptions::default() })
}

/// A US chat app over `q` quarters on `sites` with `options`, budget 1e11, and `extra` fields of
/// the workload.
fn text(q: u32, sites: &str, options: &str, extra: &str) -> String {
    [
        header("econ", "2025Q1", q, "US"),
        fixtures::budget("1e11"),
        sites.into(),
        options.into(),
        chat_app("us"),
        extra.into(),
    ]
    .join("\n")
}

const US_SITE: &str = "[[site]]\nid = \"a\"\nregion = \"us\"\navailable_mw = 500\n";
const LEASE: &str = "[[option]]\nchip = \"h100-sxm\"\nsites = [\"a\"]\nmode = \"lease\"\nlease_usd_per_hour = 2.0\n";

/// Mean served share over the horizon.
fn served(p: &Plan) -> f64 {
    p.served.iter().map(|l| l.served).sum::<f64>() / p.served.len().max(1) as f64
}

#[test]
fn a_purchase_in_the_last_quarter_costs_a_fraction_of_one_in_the_first() {
    // The same chip at the same price, bought in the first quarter of 12 (option open from
    // the start) or in the last (open only then); a high unserved penalty makes both serve
    // what they can. The capital charge per accelerator is the economic cost less the opex
    // while held; the cash capex per accelerator is the same in both.
    let buy = |from: &str| {
        format!(
            "[[option]]\nchip = \"h100-sxm\"\nsites = [\"a\"]\nmode = \"buy\"\nprice_usd = 27500\navailable_from = \"{from}\"\n"
        )
    };
    let penalty = "unserved_penalty = 1e6";
    let first = run(&scenario(&text(12, US_SITE, &buy("2025Q1"), penalty)));
    let last = run(&scenario(&text(12, US_SITE, &buy("2027Q4"), penalty)));
    let per_chip = |p: &Plan| {
        let chips: f64 = p.purchases.iter().map(|h| h.accelerators as f64).sum();
        assert!(chips > 0.0, "{:?}", p.purchases);
        (p.spend_total / chips, p.economic_cost / chips, p.purchases[0].from)
    };
    let (cash_first, cost_first, from_first) = per_chip(&first);
    let (cash_last, cost_last, from_last) = per_chip(&last);
    assert_eq!((from_first.to_string(), from_last.to_string()), ("2025Q1".into(), "2027Q4".into()));
    // Cash per chip: capex + opex while held (12 quarters vs 1): the first is dearer only by opex.
    assert!(cash_first > cash_last, "{cash_first} vs {cash_last}");
    // Economic cost per chip of the late purchase: one quarter of capital charge + one of opex,
    // below a fifth of the early one's twelve quarters (and far below its cash capex).
    assert!(cost_last < 0.2 * cost_first, "late {cost_last} vs early {cost_first}");
    assert!(cost_last < 0.2 * cash_last, "late economic {cost_last} vs its cash {cash_last}");
}

/// One site in China (lead time 15 months = 5 quarters) with no power at the start.
fn cn_text(quarters: u32, site_extra: &str) -> String {
    let sites = format!("[[site]]\nid = \"a\"\nregion = \"cn\"\navailable_mw = 0\nbuildable_mw = 200\n{site_extra}");
    let options = "[[option]]\nchip = \"ascend-910c\"\nsites = [\"a\"]\nmode = \"buy\"\nprice_usd = 25000\n";
    text(quarters, &sites, options, "unserved_penalty = 1e6")
        .replace("headquarters = \"US\"", "headquarters = \"CN\"")
        .replace("user_regions = { us = 1.0 }", "user_regions = { cn = 1.0 }")
        .replace("model = \"llama-3.1-8b\"\nprecision = \"fp8\"", "model = \"llama-3.1-8b\"\nprecision = \"bf16\"")
}

#[test]
fn a_build_with_lead_time_l_adds_power_only_from_l_quarters_on() {
    let s = scenario(&cn_text(12, ""));
    let lead_quarters = (catalog()[&s.sites[0].region].lead_time_months / 3.0).ceil() as usize;
    assert!(lead_quarters > 0 && lead_quarters < 12, "{lead_quarters}");
    let p = run(&s);
    assert!(!p.builds.is_empty(), "a build is worth it at this penalty");
    for (_, online, _) in &p.builds {
        assert!(online.since(s.start) >= lead_quarters as i64, "online {online} before the lead time");
    }
    for line in &p.served {
        let index = line.quarter.since(s.start) as usize;
        if index < lead_quarters {
            assert!(line.served < 1e-9, "{} served {} before power", line.quarter, line.served);
        } else {
            assert!(line.served > 0.99, "{} served only {}", line.quarter, line.served);
        }
    }
    // The construction is paid before the power is online: cash spend in the quarters before
    // the first build comes online.
    let first_online = p.builds.iter().map(|(_, q, _)| *q).min().unwrap();
    let before: f64 = p.spend_by_quarter.iter().filter(|(q, _)| *q < first_online).map(|(_, x)| x).sum();
    assert!(before > 0.0);
}

#[test]
fn a_committed_build_adds_power_from_its_online_quarter() {
    let s = scenario(
        &cn_text(8, "[[site.build]]\nmw = 100\nonline = \"2025Q3\"\n")
            .replace("buildable_mw = 200", "buildable_mw = 0"),
    );
    let p = run(&s);
    for line in &p.served {
        let served = line.served;
        if line.quarter.to_string().as_str() < "2025Q3" {
            assert!(served < 1e-9, "{} served {served} before the committed build", line.quarter);
        } else {
            assert!(served > 0.99, "{} served only {served}", line.quarter);
        }
    }
}

/// Scenario priced at `price` per M output tokens under `objective`, on leases only.
fn priced(price: f64, objective: &str) -> Scenario {
    let extra = format!("price_per_m_output_tokens = {price}\n[objective]\nkind = \"{objective}\"\n");
    scenario(&text(4, US_SITE, LEASE, &extra))
}

#[test]
fn max_margin_never_serves_a_workload_priced_below_its_cheapest_serving_cost() {
    // The cheapest serving cost per M output tokens: economic cost over served volume of the
    // min-cost plan that serves everything (revenue / price = volume in M tokens).
    let reference_price = 1e6;
    let all = run(&priced(reference_price, "max-margin"));
    assert!(served(&all) > 0.999, "{}", served(&all));
    let volume_m_tokens = all.revenue / reference_price;
    let cheapest = all.economic_cost / volume_m_tokens;
    assert!(cheapest > 0.0 && cheapest.is_finite());
    for factor in [0.2, 0.5, 0.9, 0.98] {
        let p = run(&priced(cheapest * factor, "max-margin"));
        assert!(served(&p) < 1e-6, "price {:.4} below cost {cheapest:.4} but served {}", cheapest * factor, served(&p));
        assert!(p.revenue - p.economic_cost > -1e-6 * cheapest.max(1.0));
    }
    for factor in [1.05, 2.0, 10.0] {
        let p = run(&priced(cheapest * factor, "max-margin"));
        assert!(served(&p) > 0.999, "price above cost serves all, got {}", served(&p));
    }
}

#[test]
fn raising_the_unserved_penalty_never_lowers_served_demand() {
    // Two leases, the cheaper capped, so service grows in steps as the penalty rises.
    let options = "[[option]]\nchip = \"h100-sxm\"\nsites = [\"a\"]\nmode = \"lease\"\nlease_usd_per_hour = 1.0\nmax_per_quarter = 40\n[[option]]\nchip = \"h200\"\nsites = [\"a\"]\nmode = \"lease\"\nlease_usd_per_hour = 9.0\n";
    let mut last = -1.0;
    let mut shares = Vec::new();
    for penalty in [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0] {
        let s = scenario(&text(4, US_SITE, options, &format!("unserved_penalty = {penalty}")));
        let share = served(&run(&s));
        assert!(share >= last - 1e-6, "penalty {penalty}: served {share} < {last}");
        last = share;
        shares.push(share);
    }
    assert!(shares[0] < 1e-6 && *shares.last().unwrap() > 0.999, "{shares:?}");
}

#[test]
fn a_share_target_is_never_met_with_capacity_that_serves_nothing() {
    // Group `b` has a target of half the spend and a penalty far above any lease, but no
    // demand may be served there (residency: users in China, site b abroad): leasing there
    // would only meet the target, so the planner leases nothing there and says so.
    let sites = "[[site]]\nid = \"a\"\nregion = \"cn\"\navailable_mw = 500\n[[site]]\nid = \"b\"\nregion = \"my-johor\"\navailable_mw = 500\n";
    let options = "[[option]]\nchip = \"ascend-910c\"\nsites = [\"a\"]\nmode = \"buy\"\nprice_usd = 25000\n[[option]]\nchip = \"h100-sxm\"\nsites = [\"b\"]\nmode = \"lease\"\nlease_usd_per_hour = 2.0\n";
    let share = "[[budget.share]]\ngroup = \"abroad\"\nsites = [\"b\"]\ntarget = 0.5\npenalty_per_point = 1e9\n";
    let t = text(4, sites, options, "")
        .replace("headquarters = \"US\"", "headquarters = \"CN\"")
        .replace("user_regions = { us = 1.0 }", "user_regions = { cn = 1.0 }")
        .replace("precision = \"fp8\"", "precision = \"bf16\"")
        .replace("total = 1e11\n", &format!("total = 1e11\n{share}"));
    let p = run(&scenario(&t));
    assert!(p.feasible);
    assert!(p.purchases.iter().all(|h| h.site != "b"), "{:?}", p.purchases);
    let said = p.explanations.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
    assert!(said.contains("`abroad`") && said.contains("target of 50 %"), "{said}");
}

/// A training run is placed only on a pool that can hold accelerators in every quarter of its
/// window: a cheaper chip that becomes available after the run's window (here B200 leases from
/// 2025Q4 for a run in 2025Q1–Q2, beside H100 leases from the start) must not carry it.
#[test]
fn training_is_never_placed_on_a_chip_before_it_can_be_had() {
    let options = format!(
        "{LEASE}[[option]]\nchip = \"b200\"\nsites = [\"a\"]\nmode = \"lease\"\nlease_usd_per_hour = 0.5\navailable_from = \"2025Q4\"\n"
    );
    let run = "[[workload]]\nid = \"run\"\nkind = \"training\"\nmodel = \"llama-3.1-8b\"\nprecision = \"bf16\"\ntokens = 2e12\nseq_len = 4096\nstart = 2025-01-01\ndeadline = 2025-06-30\n";
    let p = run_plan(&text(4, US_SITE, &options, run));
    let placed: Vec<&str> = p.training.iter().map(|t| t.chip.as_str()).collect();
    assert_eq!(placed, vec!["h100-sxm"], "{:?}", p.training);
    // The same run after B200 arrives goes to the cheaper B200 leases: the constraint, not a
    // preference for H100, decided the first placement.
    let later = run.replace("2025-01-01", "2025-10-01").replace("2025-06-30", "2025-12-31");
    let p = run_plan(&text(4, US_SITE, &options, &later));
    let placed: Vec<&str> = p.training.iter().map(|t| t.chip.as_str()).collect();
    assert_eq!(placed, vec!["b200"], "{:?}", p.training);
}

fn run_plan(text: &str) -> Plan {
    run(&scenario(text))
}

/// A yearly cap the model spends to the last cent (max-served, more demand than money) is kept
/// once counts are rounded up to whole 8-GPU servers: the evaluator's spend for the year is
/// within the cap, by a repair round when rounding went over.
#[test]
fn rounding_to_whole_servers_never_breaks_a_yearly_budget_cap() {
    let cat = catalog();
    let buy = "[[option]]\nsystem = \"hgx-h100-8\"\nsites = [\"a\"]\nmode = \"buy\"\n";
    for cap in [3.33e7, 5.17e7, 8.91e7] {
        let extra = "[objective]\nkind = \"max-served\"\n";
        let text = text(4, US_SITE, buy, extra)
            .replace("total = 1e11", &format!("total = 1e11\nper_year = {{ 2025 = {cap} }}"))
            .replace("daily_users = 2e7", "daily_users = 2e9");
        let s = scenario(&text);
        let p = run(&s);
        let e = fleetplan_engines::eval::evaluate(&p.scenario_with_fleet(&s), &cat).unwrap();
        let spent = e.spend_by_year["2025"];
        assert!(spent <= cap * (1.0 + 1e-9), "cap {cap}: the rounded plan spends {spent} in 2025 ({:?})", p.repairs);
        assert!(spent > 0.9 * cap, "cap {cap}: the plan should spend most of the year's money, spent {spent}");
    }
}
