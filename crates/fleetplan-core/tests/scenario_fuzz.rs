//! No input makes the scenario validator panic: proptest over (a) arbitrary TOML-ish text and
//! (b) structurally valid scenarios with random values (negative, zero, huge, non-finite,
//! wrong-typed). Every case must return `Ok` or a non-empty list of diagnostics whose spans lie
//! inside the text. Case counts are fixed below (2,000 each); the tests print how many ran.

use fleetplan_core::catalog::Catalog;
use fleetplan_core::scenario::validate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;
use std::sync::OnceLock;

const CASES: u32 = 2_000;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::builtin().expect("built-in catalog"))
}

/// Validate and check the result is well formed: Ok, or diagnostics with in-range spans.
fn check_no_panic(text: &str) -> Result<(), TestCaseError> {
    match validate("fuzz.toml", text, catalog()) {
        Ok(s) => {
            prop_assert!(s.quarters >= 1);
            prop_assert!(s.budget.total.is_finite() && s.budget.total > 0.0);
            prop_assert!(s.currency_per_usd.is_finite() && s.currency_per_usd > 0.0);
        }
        Err(diags) => {
            prop_assert!(!diags.is_empty());
            for d in &diags {
                prop_assert!(!d.message.is_empty());
                if let Some(span) = &d.span {
                    prop_assert!(span.start <= text.len() && span.end <= text.len(), "span {:?} outside text", span);
                }
            }
        }
    }
    Ok(())
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() })
}

/// Fragments that make the text look like a scenario, so the fuzzer gets past the parser often.
const FRAGMENTS: &[&str] = &[
    "[scenario]\n",
    "[buyer]\n",
    "[budget]\n",
    "[[site]]\n",
    "[[option]]\n",
    "[[workload]]\n",
    "[policy]\n",
    "[objective]\n",
    "[[fleet]]\n",
    "[[budget.share]]\n",
    "[fx]\n",
    "name = \"x\"\n",
    "currency = \"CNY\"\n",
    "start = \"2025Q1\"\n",
    "quarters = 4\n",
    "headquarters = \"CN\"\n",
    "total = 1e9\n",
    "id = \"a\"\n",
    "region = \"cn\"\n",
    "available_mw = 10\n",
    "chip = \"h20\"\n",
    "sites = [\"a\"]\n",
    "mode = \"buy\"\n",
    "kind = \"chat\"\n",
    "model = \"deepseek-v3\"\n",
    "mix = [{ model = \"deepseek-v3\", share = 0.5 }, { model = \"qwen3-30b-a3b\", share = 0.5 }]\n",
    "training = \"a\"\n",
    "daily_users = 1e6\n",
    "diurnal = [1, 2]\n",
    "user_regions = { cn = 1.0 }\n",
    "deadline = 2025-12-31\n",
    "count = 8\n",
    "from = \"2025Q2\"\n",
    "= = =\n",
    "\"\n",
    "[\n",
    "]]\n",
    "x = {\n",
    "é = 1\n",
    "CNY = -7\n",
    "min = 2\n",
    "max = nan\n",
];

#[test]
fn arbitrary_toml_ish_text_never_panics() {
    let strategy = prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => "\\PC{0,12}\n?",
            1 => "[a-z_]{1,12} = [-0-9.e\"a-z\\[\\]{}, ]{0,16}\n",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat());
    let ran = Cell::new(0u32);
    runner()
        .run(&strategy, |text| {
            ran.set(ran.get() + 1);
            check_no_panic(&text)
        })
        .unwrap();
    let ran = ran.get();
    eprintln!("arbitrary_toml_ish_text_never_panics: {ran} cases");
    assert!(ran >= CASES);
}

/// A value of any TOML type, biased to awkward numbers.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "0",
                "-1",
                "1",
                "-0.0",
                "1e308",
                "-1e308",
                "1e-308",
                "nan",
                "inf",
                "-inf",
                "9223372036854775807",
                "-9223372036854775808",
                "0.5",
                "1.0000001",
                "24",
                "true",
                "\"\"",
                "\"NaN\"",
                "\"inf\"",
                "\"2025Q5\"",
                "\"2025Q1\"",
                "\"1999Q4\"",
                "2025-02-29",
                "2024-02-29",
                "\"h20\"",
                "\"cn\"",
                "[]",
                "[1, 2]",
                "{}",
                "{ cn = 0.5 }",
                "\"buy\"",
                "\"lease\"",
                "\"fp8\"",
            ][..]
        )
        .prop_map(str::to_string),
        any::<f64>().prop_map(|f| if f.is_finite() { format!("{f:e}") } else { "nan".to_string() }),
        any::<i64>().prop_map(|i| i.to_string()),
        prop::collection::vec(-1.0e3f64..1.0e3, 0..30)
            .prop_map(|v| format!("[{}]", v.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(", "))),
    ]
}

/// The fields of a full scenario; each gets a random value or keeps a valid one.
const TEMPLATE: &[(&str, &str, &str)] = &[
    ("scenario", "name", "\"fuzz\""),
    ("scenario", "currency", "\"CNY\""),
    ("scenario", "start", "\"2025Q1\""),
    ("scenario", "quarters", "4"),
    ("buyer", "name", "\"b\""),
    ("buyer", "headquarters", "\"CN\""),
    ("fx", "CNY", "7.2"),
    ("budget", "total", "1e9"),
    ("budget", "per_quarter", "[2e8, 2e8, 3e8, 3e8]"),
    ("budget.share", "group", "\"abroad\""),
    ("budget.share", "regions", "[\"cn\"]"),
    ("budget.share", "min", "0.4"),
    ("budget.share", "max", "0.6"),
    ("site", "id", "\"s1\""),
    ("site", "region", "\"cn\""),
    ("site", "available_mw", "10"),
    ("site", "buildable_mw", "5"),
    ("site", "pue", "1.3"),
    ("option", "chip", "\"h20\""),
    ("option", "sites", "[\"s1\"]"),
    ("option", "mode", "\"buy\""),
    ("option", "max_per_quarter", "1000"),
    ("option", "available_from", "\"2025Q2\""),
    ("workload", "id", "\"w\""),
    ("workload", "kind", "\"chat\""),
    ("workload", "model", "\"deepseek-v3\""),
    ("workload", "daily_users", "1e6"),
    ("workload", "requests_per_user_per_day", "5"),
    ("workload", "input_tokens_per_request", "1000"),
    ("workload", "output_tokens_per_request", "300"),
    ("workload", "ttft_p99_ms", "1000"),
    ("workload", "tpot_p99_ms", "50"),
    ("workload", "growth_per_quarter", "0.1"),
    ("workload", "user_regions", "{ cn = 1.0 }"),
    ("workload", "diurnal", "[1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 2, 1]"),
    ("policy", "date", "2025-06-01"),
    ("policy", "assume_licences_granted", "false"),
    ("objective", "kind", "\"min-tco\""),
    ("fleet", "chip", "\"h20\""),
    ("fleet", "site", "\"s1\""),
    ("fleet", "count", "100"),
    ("fleet", "mode", "\"buy\""),
    ("fleet", "from", "\"2024Q4\""),
];

fn render(values: &[Option<String>]) -> String {
    let mut out = String::new();
    let mut section = "";
    for ((sec, key, valid), v) in TEMPLATE.iter().zip(values) {
        if *sec != section {
            section = sec;
            let header = match *sec {
                "budget.share" | "site" | "option" | "workload" | "fleet" => format!("\n[[{sec}]]\n"),
                _ => format!("\n[{sec}]\n"),
            };
            out.push_str(&header);
        }
        out.push_str(&format!("{key} = {}\n", v.as_deref().unwrap_or(valid)));
    }
    out
}

#[test]
fn the_template_itself_is_valid() {
    let text = render(&vec![None; TEMPLATE.len()]);
    if let Err(d) = validate("template.toml", &text, catalog()) {
        panic!("template must be valid: {d:#?}\n{text}");
    }
}

#[test]
fn structurally_valid_scenarios_with_random_values_never_panic() {
    let strategy = prop::collection::vec(prop::option::weighted(0.05, any_value()), TEMPLATE.len());
    let (ran, accepted) = (Cell::new(0u32), Cell::new(0u32));
    runner()
        .run(&strategy, |values| {
            ran.set(ran.get() + 1);
            let text = render(&values);
            if validate("fuzz.toml", &text, catalog()).is_ok() {
                accepted.set(accepted.get() + 1);
            }
            check_no_panic(&text)
        })
        .unwrap();
    let (ran, accepted) = (ran.get(), accepted.get());
    eprintln!("structurally_valid_scenarios_with_random_values_never_panic: {ran} cases, {accepted} valid");
    assert!(ran >= CASES);
}
