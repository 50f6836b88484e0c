//! Units that are more than a number: numeric precisions and calendar dates.
//!
//! Plain quantities carry their unit in the field name (`mem_bw_tbps`, `tdp_w`, `price_usd`);
//! this module holds the few that need a type.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Numeric precision of weights and activations (and of a chip's dense rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 4-bit floating point (FP4 / MXFP4 / NVFP4).
    Fp4,
    /// 8-bit integer.
    Int8,
    /// 8-bit floating point (E4M3/E5M2).
    Fp8,
    /// IEEE half precision.
    Fp16,
    /// bfloat16.
    Bf16,
    /// 4-bit weights, 16-bit activations (weight-only quantisation).
    W4a16,
}

impl Precision {
    /// All precisions, in the order tables show them.
    pub const ALL: [Precision; 6] =
        [Precision::Bf16, Precision::Fp16, Precision::Fp8, Precision::Int8, Precision::Fp4, Precision::W4a16];

    /// Lowercase name as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp4 => "fp4",
            Precision::Int8 => "int8",
            Precision::Fp8 => "fp8",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::W4a16 => "w4a16",
        }
    }

    /// Bits per weight when stored at this precision.
    pub fn weight_bits(self) -> u32 {
        match self {
            Precision::Fp4 | Precision::W4a16 => 4,
            Precision::Int8 | Precision::Fp8 => 8,
            Precision::Fp16 | Precision::Bf16 => 16,
        }
    }

    /// Bytes per weight when stored at this precision.
    pub fn weight_bytes(self) -> f64 {
        f64::from(self.weight_bits()) / 8.0
    }

    /// Bit length of the operands the matrix units compute in (for w4a16: 16-bit math).
    pub fn compute_bits(self) -> u32 {
        match self {
            Precision::W4a16 => 16,
            p => p.weight_bits(),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Precision::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown precision `{s}`; expected one of bf16, fp16, fp8, int8, fp4, w4a16"))
    }
}

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD`. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
#[schemars(with = "String")]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31 (validated against the month).
    pub day: u8,
}

impl Date {
    /// A date, if `year-month-day` exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month).contains(&day).then_some(Date { year, month, day })
    }

    /// Calendar quarter 1–4.
    pub fn quarter(self) -> u8 {
        (self.month - 1) / 3 + 1
    }

    /// First day of the quarter `year`-Q`quarter` (quarter 1–4).
    pub fn quarter_start(year: i32, quarter: u8) -> Option<Date> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        Date::new(year, (quarter - 1) * 3 + 1, 1)
    }

    /// Days since 1970-01-01 (negative before), for date arithmetic (Howard Hinnant's
    /// `days_from_civil`, proleptic Gregorian calendar). The only home of day arithmetic.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The date `days` days after `self` (before, when negative); Hinnant's `civil_from_days`.
    pub fn add_days(self, days: i64) -> Date {
        let z = self.days_since_epoch() + days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid date `{s}`; expected YYYY-MM-DD, e.g. 2025-06-01");
        let mut parts = s.trim().splitn(3, '-');
        let (y, m, d) = (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        let day: u8 = d.parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(|| format!("`{s}` is not a calendar date"))
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Accept both a TOML string "2025-06-01" and a TOML local date 2025-06-01.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                // toml's datetime arrives as a one-entry map holding its string form.
                let Some((_, v)) = map.next_entry::<String, String>()? else {
                    return Err(serde::de::Error::custom("expected a date YYYY-MM-DD"));
                };
                v.parse().map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_order() {
        let a: Date = "2025-04-09".parse().unwrap();
        let b: Date = "2025-12-31".parse().unwrap();
        assert!(a < b);
        assert_eq!(a.quarter(), 2);
        assert_eq!(a.to_string(), "2025-04-09");
        assert!("2025-02-30".parse::<Date>().is_err());
        assert!("2025-6-1".parse::<Date>().is_err());
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(b.days_since_epoch() - Date::new(2025, 1, 1).unwrap().days_since_epoch(), 364);
        assert_eq!(Date::new(2025, 1, 1).unwrap().days_until(b), 364);
        assert_eq!(Date::new(2025, 1, 1).unwrap().add_days(364), b);
        // Round trip across leap years and before the epoch.
        for (y, m, d) in [(2024, 2, 29), (1900, 3, 1), (1969, 12, 31), (2000, 1, 1), (-1, 6, 15)] {
            let date = Date::new(y, m, d).unwrap();
            for k in [-800_000, -366, -1, 0, 1, 59, 365, 1461, 800_000] {
                assert_eq!(date.add_days(k).days_since_epoch(), date.days_since_epoch() + k);
                assert_eq!(date.days_until(date.add_days(k)), k);
            }
        }
    }

    #[test]
    fn dates_round_trip_and_count_days() {
        let a = Date::new(2025, 4, 1).unwrap();
        let b = Date::new(2025, 12, 31).unwrap();
        assert_eq!(a.days_until(b), 274);
        assert_eq!(a.add_days(274), b);
        assert_eq!(Date::new(2024, 2, 28).unwrap().add_days(1), Date::new(2024, 2, 29).unwrap());
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_until(Date::new(2000, 3, 1).unwrap()), 11_017);
    }

    #[test]
    fn toml_dates_both_forms() {
        #[derive(Deserialize)]
        struct T {
            a: Date,
            b: Date,
        }
        let t: T = toml::from_str("a = 2025-06-01\nb = \"2024-02-29\"").unwrap();
        assert_eq!(t.a, Date::new(2025, 6, 1).unwrap());
        assert_eq!(t.b, Date::new(2024, 2, 29).unwrap());
    }
}
