//! Generators for the fuzz harness: a seeded RNG (SplitMix64), mutations of seed texts, random
//! TOML documents and random trace files. Everything is a pure function of the RNG, so a case is
//! reproduced by its index alone.

/// SplitMix64: tiny, fast, and good enough to drive mutations. Seeded per case from
/// `(target salt, case index)` by [`case_seed`].
pub struct Rng(u64);

impl Rng {
    /// An RNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-uniform in [lo, hi] (both > 0).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of case `index` of the target salted with `salt`: the same index always gives the
/// same input, whatever ran before it (so a run resumes at any index).
pub fn case_seed(salt: u64, index: u64) -> u64 {
    let mut r = Rng::new(salt ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    r.next_u64()
}

/// Numbers a hostile user types: extremes, signs, specials, precision traps and overflows of
/// every integer width.
pub const HOSTILE_NUMBERS: [&str; 40] = [
    "0",
    "-0",
    "-0.0",
    "1",
    "-1",
    "2",
    "0.5",
    "1e-300",
    "5e-324",
    "1e-9",
    "1e15",
    "-1e15",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "-4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "1e19",
    "18446744073709551616",
    "0.1",
    "1e6",
    "1e9",
    "1e12",
    "100000000000000000000",
    "0x10",
    "1_000",
    "3.4e38",
];

/// Strings a hostile user types: empty, control characters, escapes, multi-byte text, ids that
/// almost exist, long runs.
pub const HOSTILE_STRINGS: [&str; 16] = [
    "",
    "\\u0000",
    "\\u001b[31mred\\u001b[0m",
    "é",
    "日本語",
    "🚀",
    "h100",
    "h100-sxm",
    "llama-3.1-8b",
    "us",
    "cn",
    "2025Q1",
    "2025-13-45",
    "buy",
    "lease",
    "a b\\tc",
];

/// A random value of any TOML kind (depth-limited).
fn value(rng: &mut Rng, depth: u32) -> String {
    match rng.below(if depth > 2 { 5 } else { 8 }) {
        0 | 1 => (*rng.pick(&HOSTILE_NUMBERS)).to_string(),
        2 => format!("\"{}\"", rng.pick(&HOSTILE_STRINGS)),
        3 => if rng.chance(0.5) { "true" } else { "false" }.to_string(),
        4 => format!("{}-{:02}-{:02}", 2020 + rng.below(10), rng.below(14), rng.below(33)),
        5 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n).map(|_| value(rng, depth + 1)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| format!("{} = {}", key(rng), value(rng, depth + 1))).collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

/// Keys the scenario, case, catalog and trace formats use, plus a few unknown ones.
const KEYS: [&str; 40] = [
    "id",
    "name",
    "kind",
    "chip",
    "model",
    "mode",
    "count",
    "site",
    "sites",
    "region",
    "from",
    "until",
    "start",
    "quarters",
    "currency",
    "total",
    "daily_users",
    "tokens",
    "seq_len",
    "deadline",
    "precision",
    "value",
    "metric",
    "n_chips",
    "input_tokens",
    "output_tokens",
    "ttft_p99_ms",
    "tpot_p99_ms",
    "available_mw",
    "buildable_mw",
    "price_usd",
    "lease_usd_per_hour",
    "headquarters",
    "user_regions",
    "diurnal",
    "mix",
    "growth_per_quarter",
    "tdp_w",
    "bogus",
    "a.b",
];

/// Table names of the same formats.
const TABLES: [&str; 16] = [
    "scenario",
    "buyer",
    "budget",
    "fx",
    "objective",
    "policy",
    "[site]",
    "[option]",
    "[workload]",
    "[fleet]",
    "[case]",
    "[fleet_case]",
    "[accelerator]",
    "[region]",
    "[llm]",
    "[system]",
];

fn key(rng: &mut Rng) -> String {
    (*rng.pick(&KEYS)).to_string()
}

/// A random TOML-like document: tables of random keys and values, sometimes not valid TOML.
pub fn random_toml(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(6) {
        out.push_str(&format!("[{}]\n", rng.pick(&TABLES)));
        for _ in 0..rng.below(8) {
            out.push_str(&format!("{} = {}\n", key(rng), value(rng, 0)));
        }
    }
    out
}

/// A random trace file: a header (usually right) and rows of random, often hostile, fields.
pub fn random_trace(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(0.9) {
        out.push_str("arrival_s,input_tokens,output_tokens\n");
    }
    let mut t = 0.0;
    for _ in 0..rng.below(20) {
        t += rng.unit() * 2.0;
        let field = |rng: &mut Rng, normal: String| {
            if rng.chance(0.03) { (*rng.pick(&HOSTILE_NUMBERS)).to_string() } else { normal }
        };
        let a = field(rng, format!("{t:.3}"));
        let i = 1 + rng.below(4000);
        let i = field(rng, i.to_string());
        let o = 1 + rng.below(1000);
        let o = field(rng, o.to_string());
        match rng.below(20) {
            0 => out.push_str(&format!("{a},{i}\n")),
            1 => out.push_str(&format!("{a},{i},{o},{o}\n")),
            2 => out.push_str(&format!(" {a} , {i} ,{o}\r\n")),
            _ => out.push_str(&format!("{a},{i},{o}\n")),
        }
    }
    out
}

/// Byte ranges of the number-like tokens of `text` (digits with signs, dots, exponents).
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = if i > 0 && bytes[i - 1] == b'-' { i - 1 } else { i };
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || b"._+-".contains(&bytes[j])) {
                j += 1;
            }
            spans.push((start, j));
            i = j;
        } else {
            i += 1;
        }
    }
    spans
}

/// Byte ranges of the double-quoted strings of `text` (contents only).
fn string_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        if c == '"' {
            match open.take() {
                None => open = Some(i + 1),
                Some(s) => spans.push((s, i)),
            }
        } else if c == '\n' {
            open = None;
        }
    }
    spans
}

/// Round `i` down to a char boundary of `text`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One random mutation of `text`: a number or string replaced by a hostile one, a line deleted,
/// duplicated or swapped, bytes inserted, the text cut, or a table nested deep.
pub fn mutate(rng: &mut Rng, text: &str) -> String {
    match rng.below(10) {
        0..=3 => {
            let spans = number_spans(text);
            if spans.is_empty() {
                return text.to_string();
            }
            let (s, e) = *rng.pick(&spans);
            let old = &text[s..e];
            let new = match old.parse::<f64>() {
                // Half the time a plausible neighbour (same sign, another magnitude), so that
                // mutated inputs still pass and reach the checks behind the first one.
                Ok(v) if rng.chance(0.5) => {
                    let scaled = v * rng.pick(&[0.0, 0.1, 0.5, 2.0, 10.0, 1e3, 1e6]);
                    if old.contains(['.', 'e', 'E']) {
                        format!("{scaled:e}")
                    } else {
                        format!("{}", scaled.round() as i64)
                    }
                }
                _ => (*rng.pick(&HOSTILE_NUMBERS)).to_string(),
            };
            format!("{}{new}{}", &text[..s], &text[e..])
        }
        4 => {
            let spans = string_spans(text);
            if spans.is_empty() {
                return text.to_string();
            }
            let (s, e) = *rng.pick(&spans);
            format!("{}{}{}", &text[..s], rng.pick(&HOSTILE_STRINGS), &text[e..])
        }
        5 | 6 => {
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return text.to_string();
            }
            let i = rng.below(lines.len());
            match rng.below(3) {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, lines[i]),
                _ => {
                    let j = rng.below(lines.len());
                    lines.swap(i, j);
                }
            }
            lines.join("\n")
        }
        7 => {
            let at = boundary(text, rng.below(text.len() + 1));
            let insert = match rng.below(6) {
                0 => "\0".to_string(),
                1 => "\u{1b}[2J".to_string(),
                2 => "é日🚀".to_string(),
                3 => format!("\n{} = {}\n", key(rng), value(rng, 0)),
                4 => "\"".to_string(),
                _ => "[[".to_string(),
            };
            format!("{}{insert}{}", &text[..at], &text[at..])
        }
        8 => text[..boundary(text, rng.below(text.len() + 1))].to_string(),
        _ => {
            let depth = 1 + rng.below(200);
            format!("{text}\nx = {}1{}\n", "[".repeat(depth), "]".repeat(depth))
        }
    }
}

/// `text` with 1–3 random mutations.
pub fn mutate_some(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..1 + rng.below(3) {
        out = mutate(rng, &out);
    }
    out
}

/// The first `inf`, `-inf` or `NaN` printed outside a quoted string in a `{:?}` rendering
/// (Rust's Debug prints non-finite `f64` exactly so), with some context; None when every number
/// is finite.
pub fn non_finite_in_debug(debug: &str) -> Option<String> {
    let bytes = debug.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_alphabetic() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            let end = bytes[i..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .map_or(bytes.len(), |p| i + p);
            let word = &debug[i..end];
            if word == "inf" || word == "NaN" {
                let from = boundary(debug, i.saturating_sub(80));
                let to = boundary(debug, (end + 20).min(debug.len()));
                return Some(debug[from..to].to_string());
            }
            i = end;
            continue;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_non_finite_scanner_finds_floats_but_not_strings() {
        assert!(non_finite_in_debug("A { x: 1.0, y: inf }").is_some());
        assert!(non_finite_in_debug("A { x: -inf }").is_some());
        assert!(non_finite_in_debug("A { x: NaN }").is_some());
        assert!(non_finite_in_debug("A { name: \"inf\", s: \"a \\\" NaN\", infer: 1.0, info: 2 }").is_none());
    }
}
