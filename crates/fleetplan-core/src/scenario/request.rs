//! Request settings of a chat workload beyond its mean lengths — output-length spread, beam
//! search and speculative (MTP) decoding — and the one home of their valid ranges, shared by
//! scenario validation, `perf infer` and the inference model (`RequestShape::check`).

use serde::Serialize;

/// Most beams a request may use (beam search; MLPerf GPT-J uses 4, engines rarely go beyond 8).
pub const MAX_BEAMS: u32 = 16;

/// Most draft tokens per decode step (speculative / multi-token prediction; engines use 1–7).
pub const MAX_DRAFT_TOKENS: u32 = 16;

/// Largest coefficient of variation of output lengths accepted (heavy-tailed reasoning data
/// sets are near 1–2; more is an input mistake).
pub const MAX_OUTPUT_TOKENS_CV: f64 = 10.0;

/// Output spread and decoding method of a chat workload's requests (the optional scenario
/// fields `output_tokens_cv`, `output_tokens_max`, `beams`, `mtp_draft_tokens`,
/// `mtp_acceptance`; [`Default`]: equal lengths, greedy decoding, no drafts).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RequestOptions {
    /// Coefficient of variation of output lengths (standard deviation / mean; 0 = all equal).
    pub output_tokens_cv: f64,
    /// Longest output, tokens (`None`: the model's default tail for the spread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_max: Option<f64>,
    /// Beam width (1 = greedy or sampling).
    pub beams: u32,
    /// Draft tokens proposed and verified per decode step (0 = none).
    pub mtp_draft_tokens: u32,
    /// Mean acceptance rate of one draft token, 0–1.
    pub mtp_acceptance: f64,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            output_tokens_cv: 0.0,
            output_tokens_max: None,
            beams: 1,
            mtp_draft_tokens: 0,
            mtp_acceptance: 0.0,
        }
    }
}

/// One out-of-range request setting: the field (scenario name), the value and what is valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} = {} is out of range: {expected}", crate::format::given(*value))]
pub struct RequestSettingProblem {
    /// Scenario field name (`beams`, `mtp_acceptance`, …); front ends map it to their flag.
    pub field: &'static str,
    /// The value as given (as a number; `mtp_acceptance` missing is reported as its draft count).
    pub value: f64,
    /// What is valid, e.g. "a whole number from 1 to 16".
    pub expected: String,
}

/// A problem with `field` at `value`, valid being `expected`.
fn range_problem(field: &'static str, value: f64, expected: String) -> RequestSettingProblem {
    RequestSettingProblem { field, value, expected }
}

/// The prompt and mean output of an inference request must fit the model's context window:
/// `input + output ≤ max_context_tokens`. Reported on `input_tokens_per_request` (what a
/// serving request cannot exceed; training at a sequence length beyond the native context is a
/// different, legal thing and is not checked here).
pub fn context_problem(
    input_tokens: f64,
    output_tokens: f64,
    max_context_tokens: f64,
) -> Option<RequestSettingProblem> {
    (input_tokens + output_tokens > max_context_tokens).then(|| {
        let room = (max_context_tokens - output_tokens).max(0.0);
        let expected = format!(
            "at most the model's context of {} tokens minus the mean output of {} ({})",
            crate::format::given(max_context_tokens),
            crate::format::given(output_tokens),
            crate::format::given(room)
        );
        range_problem("input_tokens_per_request", input_tokens, expected)
    })
}

impl RequestOptions {
    /// Every setting out of its range for requests of `input_tokens` prompt and
    /// `output_tokens` mean output tokens on a model with a context of `max_context_tokens`:
    /// cv in [0, 10]; longest output at least the mean and at most the context left after the
    /// prompt; beams 1–16; draft tokens 0–16; acceptance in [0, 1] (given whenever there are
    /// draft tokens: the callers check that, as only they know whether it was given).
    pub fn problems(
        &self,
        input_tokens: f64,
        output_tokens: f64,
        max_context_tokens: f64,
    ) -> Vec<RequestSettingProblem> {
        let mut out: Vec<RequestSettingProblem> =
            context_problem(input_tokens, output_tokens, max_context_tokens).into_iter().collect();
        let cv = self.output_tokens_cv;
        if !(cv.is_finite() && (0.0..=MAX_OUTPUT_TOKENS_CV).contains(&cv)) {
            out.push(range_problem("output_tokens_cv", cv, format!("a number from 0 to {MAX_OUTPUT_TOKENS_CV}")));
        }
        if let Some(max) = self.output_tokens_max {
            let room = max_context_tokens - input_tokens;
            if !(max.is_finite() && max >= output_tokens && max <= room) {
                let expected = if room < output_tokens {
                    format!(
                        "at least the mean output ({output_tokens}), but the model's context of {max_context_tokens} \
                         tokens leaves only {room} after the prompt"
                    )
                } else {
                    format!(
                        "from the mean output ({output_tokens}) to the model's context minus the prompt \
                         ({max_context_tokens} − {input_tokens} = {room})"
                    )
                };
                out.push(range_problem("output_tokens_max", max, expected));
            }
        }
        if !(1..=MAX_BEAMS).contains(&self.beams) {
            out.push(range_problem("beams", f64::from(self.beams), format!("a whole number from 1 to {MAX_BEAMS}")));
        }
        if self.mtp_draft_tokens > MAX_DRAFT_TOKENS {
            let expected = format!("a whole number from 0 to {MAX_DRAFT_TOKENS}");
            out.push(range_problem("mtp_draft_tokens", f64::from(self.mtp_draft_tokens), expected));
        }
        let a = self.mtp_acceptance;
        if !(a.is_finite() && (0.0..=1.0).contains(&a)) {
            out.push(range_problem("mtp_acceptance", a, "a fraction from 0 to 1".into()));
        }
        out
    }
}

#[cfg(test)]
mod context_tests {
    use super::*;

    #[test]
    fn a_prompt_beyond_the_context_is_a_problem_and_one_inside_is_not() {
        let options = RequestOptions::default();
        assert!(options.problems(1000.0, 200.0, 8192.0).is_empty());
        let problems = options.problems(10_000_000.0, 200.0, 131_072.0);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "input_tokens_per_request");
        assert!(problems[0].expected.contains("130872"), "{}", problems[0].expected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_is_checked_against_its_range() {
        let ok = RequestOptions { output_tokens_cv: 1.0, output_tokens_max: Some(4000.0), ..Default::default() };
        assert!(ok.problems(1000.0, 400.0, 8192.0).is_empty());
        let fields = |o: RequestOptions| o.problems(1000.0, 400.0, 8192.0).iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(RequestOptions { output_tokens_cv: 10.5, ..ok }), ["output_tokens_cv"]);
        assert_eq!(fields(RequestOptions { output_tokens_max: Some(300.0), ..ok }), ["output_tokens_max"]);
        assert_eq!(fields(RequestOptions { output_tokens_max: Some(7500.0), ..ok }), ["output_tokens_max"]);
        assert_eq!(fields(RequestOptions { beams: 0, ..ok }), ["beams"]);
        assert_eq!(fields(RequestOptions { beams: 17, ..ok }), ["beams"]);
        assert!(fields(RequestOptions { beams: 16, mtp_draft_tokens: 16, mtp_acceptance: 1.0, ..ok }).is_empty());
        assert_eq!(fields(RequestOptions { mtp_draft_tokens: 17, ..ok }), ["mtp_draft_tokens"]);
        assert_eq!(fields(RequestOptions { mtp_acceptance: 1.2, ..ok }), ["mtp_acceptance"]);
        let p = &RequestOptions { output_tokens_max: Some(7500.0), ..ok }.problems(1000.0, 400.0, 8192.0)[0];
        assert!(p.expected.contains("8192 − 1000 = 7192"), "{}", p.expected);
    }
}
