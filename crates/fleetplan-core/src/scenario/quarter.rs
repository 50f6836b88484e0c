//! Calendar quarters (`2025Q1`), the time step of scenarios.

use crate::units::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar quarter, written `YYYYQn` (e.g. `2025Q1`). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
#[schemars(with = "String", description = "A calendar quarter written YYYYQn, e.g. 2025Q1.")]
pub struct Quarter {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Quarter of the year, 1–4.
    pub q: u8,
}

impl Quarter {
    /// A quarter, if `q` is 1–4 and the year has four digits.
    pub fn new(year: i32, q: u8) -> Option<Quarter> {
        ((1..=4).contains(&q) && (1000..=9999).contains(&year)).then_some(Quarter { year, q })
    }

    /// Quarters since year 0 Q1 (for arithmetic).
    fn ordinal(self) -> i64 {
        i64::from(self.year) * 4 + i64::from(self.q) - 1
    }

    fn from_ordinal(n: i64) -> Quarter {
        Quarter { year: n.div_euclid(4) as i32, q: (n.rem_euclid(4) + 1) as u8 }
    }

    /// The quarter `n` quarters later (earlier when negative).
    pub fn offset(self, n: i64) -> Quarter {
        Quarter::from_ordinal(self.ordinal() + n)
    }

    /// Quarters from `start` to `self` (0 when equal, negative when `self` is earlier).
    pub fn since(self, start: Quarter) -> i64 {
        self.ordinal() - start.ordinal()
    }

    /// The quarter a date falls in.
    pub fn of_date(date: Date) -> Quarter {
        Quarter { year: date.year, q: date.quarter() }
    }

    /// First day of the quarter.
    pub fn first_day(self) -> Date {
        Date::new(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or(Date { year: self.year, month: 1, day: 1 })
    }

    /// Last day of the quarter.
    pub fn last_day(self) -> Date {
        let (month, day) = match self.q {
            1 => (3, 31),
            2 => (6, 30),
            3 => (9, 30),
            _ => (12, 31),
        };
        Date { year: self.year, month, day }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}Q{}", self.year, self.q)
    }
}

impl FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid quarter `{s}`; expected YYYYQn with n in 1–4, e.g. 2025Q1");
        let (y, q) = s.split_once(['Q', 'q']).ok_or_else(bad)?;
        if y.len() != 4 || q.len() != 1 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        Quarter::new(year, q).ok_or_else(bad)
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quarter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_and_arithmetic() {
        let q: Quarter = "2025Q1".parse().unwrap();
        assert_eq!(q.to_string(), "2025Q1");
        assert_eq!(q.offset(3).to_string(), "2025Q4");
        assert_eq!(q.offset(4).to_string(), "2026Q1");
        assert_eq!(q.offset(-1).to_string(), "2024Q4");
        assert_eq!("2026Q2".parse::<Quarter>().unwrap().since(q), 5);
        assert_eq!(q.last_day().to_string(), "2025-03-31");
        assert_eq!(q.offset(2).first_day().to_string(), "2025-07-01");
        assert_eq!(Quarter::of_date(Date::new(2025, 4, 9).unwrap()), q.offset(1));
        for bad in ["2025Q5", "2025Q0", "2025-Q1", "25Q1", "2025", "Q1", "2025Q12"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }
}
