//! Number and money formatting for people: the one home of metric suffixes, significant digits
//! and thousands separators. Engines use it for the text of explanations; front ends for tables,
//! reports and chart axes. Pure functions of their arguments; non-finite values print as "-".

/// A value scaled to a metric suffix (k, M, B, T): `(scaled, suffix)`. Values below 1,000 keep
/// an empty suffix. `largest` is the largest power of 1,000 used (4 = T, 3 = B).
fn scaled(x: f64, largest: u32) -> (f64, &'static str) {
    const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    let magnitude = x.abs();
    for (power, (factor, suffix)) in SUFFIXES.iter().enumerate() {
        if 4 - power as u32 <= largest && magnitude >= *factor {
            return (x / factor, suffix);
        }
    }
    (x, "")
}

/// Decimals that keep three significant digits for a value in [0, 1000).
fn three_significant(v: f64) -> usize {
    let a = v.abs();
    if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    }
}

/// An amount of money with its currency code, in K/M/B with three significant digits, e.g.
/// "CNY 7.40 B", "-USD 264 K".
pub fn money(amount: f64, currency: &str) -> String {
    let sign = if amount < 0.0 { "-" } else { "" };
    let (v, unit) = scaled(amount.abs(), 3);
    // Money uses a capital K for thousands.
    let unit = if unit == "k" { "K" } else { unit };
    let space = if unit.is_empty() { "" } else { " " };
    format!("{sign}{currency} {v:.digits$}{space}{unit}", digits = three_significant(v))
}

/// Megawatts with a precision that suits the size (one decimal from 10 MW, else three).
pub fn mw(x: f64) -> String {
    if x.abs() >= 10.0 { format!("{x:.1}") } else { format!("{x:.3}") }
}

/// A number with three significant digits and a metric suffix, no space: "2.78M", "512".
/// Non-finite values print as "-".
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let (v, suffix) = scaled(x, 4);
    format!("{v:.d$}{suffix}", d = three_significant(v))
}

/// A number with three significant digits and a spaced metric suffix ("2.78 M"); whole numbers
/// below 1,000 print without decimals.
pub fn human(x: f64) -> String {
    if x.abs() < 1e3 && x.fract() == 0.0 {
        return format!("{x:.0}");
    }
    let (v, suffix) = scaled(x, 4);
    let space = if suffix.is_empty() { "" } else { " " };
    format!("{v:.d$}{space}{suffix}", d = three_significant(v))
}

/// Axis tick text with a metric suffix: 2.5e10 reads "25B"; whole scaled values have no
/// decimals, others one.
pub fn axis_tick(v: f64) -> String {
    let (scaled, suffix) = scaled(v, 4);
    let digits = if scaled.abs() >= 100.0 || scaled == scaled.trunc() { 0 } else { 1 };
    format!("{scaled:.digits$}{suffix}")
}

/// A value a user gave, echoed back in an error: as written for ordinary magnitudes ("0.8",
/// "17"), in exponent form when very large or very small ("1e308", "1e-12"), so that an absurd
/// input does not print as a 300-digit number; "NaN", "inf" and "-inf" as such.
pub fn given(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e12).contains(&x.abs()) { format!("{x:e}") } else { format!("{x}") }
}

/// `x` with `decimals` decimals and thousands separators, e.g. "15,832" or "0.864"; "-" when
/// not finite.
pub fn grouped(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.decimals$}", x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut digits = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            digits.push(',');
        }
        digits.push(c);
    }
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{digits}.{f}"),
        None => format!("{sign}{digits}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_values_stay_short() {
        assert_eq!(given(1e308), "1e308");
        assert_eq!(given(-2.5e15), "-2.5e15");
        assert_eq!(given(1e-12), "1e-12");
        assert_eq!(given(0.8), "0.8");
        assert_eq!(given(17.0), "17");
        assert_eq!(given(0.0), "0");
        assert_eq!(given(f64::NAN), "NaN");
    }

    #[test]
    fn money_scales_with_three_significant_digits() {
        assert_eq!(money(7.4e9, "CNY"), "CNY 7.40 B");
        assert_eq!(money(264_157.06, "USD"), "USD 264 K");
        assert_eq!(money(-1.06e6, "USD"), "-USD 1.06 M");
        assert_eq!(money(12.5, "USD"), "USD 12.5");
        assert_eq!(money(2.5e12, "USD"), "USD 2500 B");
    }

    #[test]
    fn metric_suffixes() {
        assert_eq!(num(2_777_778.0), "2.78M");
        assert_eq!(num(f64::NAN), "-");
        assert_eq!(num(1.5e13), "15.0T");
        assert_eq!(human(512.0), "512");
        assert_eq!(human(33e6), "33.0 M");
        assert_eq!(human(0.5), "0.50");
        assert_eq!(human(75e6), "75.0 M");
        assert_eq!(human(150e9), "150 B");
        assert_eq!(human(1234.0), "1.23 k");
        assert_eq!(human(2.5), "2.50");
        assert_eq!(human(1.5e13), "15.0 T");
        assert_eq!(axis_tick(2.5e10), "25B");
        assert_eq!(axis_tick(1500.0), "1.5k");
        assert_eq!(axis_tick(1.25e6), "1.2M");
        assert_eq!(axis_tick(0.0), "0");
        assert_eq!(axis_tick(3.0e12), "3T");
        assert_eq!(mw(328.353), "328.4");
        assert_eq!(mw(0.686672), "0.687");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(grouped(15_832.0, 0), "15,832");
        assert_eq!(grouped(0.8642, 3), "0.864");
        assert_eq!(grouped(-1_234_567.891, 2), "-1,234,567.89");
        assert_eq!(grouped(-0.0001, 2), "0.00");
        assert_eq!(grouped(f64::INFINITY, 0), "-");
    }
}
