//! Validation case files: every number has a physical range, and a value beyond it is an error
//! naming the case, the field and the valid range (not a prediction of nonsense).

use fleetplan_models::validation::parse_cases;

const CASE: &str = r#"
[[case]]
id = "c"
kind = "inference"
chip = "h100-sxm"
n_chips = 8
model = "llama-2-70b"
precision = "fp8"
scenario = "offline"
metric = "output_tokens_per_s_per_chip"
value = 3065.61
input_tokens = 300
output_tokens = 290
source = "test"
certainty = "high"
"#;

#[test]
fn a_case_in_range_parses() {
    assert_eq!(parse_cases("c.toml", CASE).unwrap().len(), 1);
}

#[test]
fn numbers_beyond_their_physical_range_are_errors_with_the_range() {
    for (from, to, field) in [
        ("value = 3065.61", "value = 1e300", "value"),
        ("input_tokens = 300", "input_tokens = 1e30", "input_tokens"),
        ("output_tokens = 290", "output_tokens = 1e12", "output_tokens"),
        ("n_chips = 8", "n_chips = 4000000000", "n_chips"),
    ] {
        let text = CASE.replace(from, to);
        let problems = parse_cases("c.toml", &text).expect_err(to);
        assert_eq!(problems.len(), 1, "{to}: {problems:#?}");
        assert_eq!(problems[0].path.as_deref(), Some(format!("case[0].{field}").as_str()), "{to}");
        assert!(problems[0].message.contains("case `c`"), "{}", problems[0].message);
        // Located at the value as written (file:line:col).
        let span = problems[0].span.clone().expect("located");
        assert_eq!(&text[span], to.split(" = ").nth(1).unwrap(), "{to}");
    }
}

/// Found by the fuzz harness (reader_cases 15673, 256138): a training case's `tokens` took NaN
/// and infinity.
#[test]
fn training_tokens_must_be_finite_and_in_range() {
    let training =
        CASE.replace("kind = \"inference\"", "kind = \"training\"").replace("input_tokens = 300", "tokens = 1e12");
    assert!(parse_cases("c.toml", &training).is_ok());
    for bad in ["nan", "inf", "1e30", "0.0"] {
        let text = training.replace("tokens = 1e12", &format!("tokens = {bad}"));
        let problems = parse_cases("c.toml", &text).expect_err(bad);
        assert!(problems.iter().any(|p| p.path.as_deref() == Some("case[0].tokens")), "{bad}: {problems:#?}");
    }
}
