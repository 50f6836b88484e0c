//! ECCN 3A090 classification of one chip under the Oct-2022 and Oct-2023 thresholds.

use super::{performance_density, tpp};
use crate::catalog::{Accelerator, EccnClass, RuleSet};
use serde::{Serialize, Serializer};
use std::fmt;

/// Oct-2022 (87 FR 62186): TPP at or above this ...
pub const OCT2022_TPP_MIN: f64 = 4800.0;
/// ... and aggregate bidirectional I/O at or above this, GB/s.
pub const OCT2022_IO_MIN_GBPS: f64 = 600.0;
/// Oct-2023 (88 FR 73458) 3A090.a.1: TPP at or above this.
pub const A1_TPP_MIN: f64 = 4800.0;
/// 3A090.a.2 and .b.2: TPP at or above this.
pub const A2_TPP_MIN: f64 = 1600.0;
/// 3A090.a.2: performance density at or above this (TPP per mm²).
pub const A2_PD_MIN: f64 = 5.92;
/// 3A090.b.1: TPP at or above this (and below [`A1_TPP_MIN`]).
pub const B1_TPP_MIN: f64 = 2400.0;
/// 3A090.b.1: performance density at or above this (and below [`A2_PD_MIN`]).
pub const B1_PD_MIN: f64 = 1.6;
/// 3A090.b.2: performance density at or above this (and below [`A2_PD_MIN`]).
pub const B2_PD_MIN: f64 = 3.2;

/// Where a chip falls under ECCN 3A090.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Classification {
    /// Oct-2022 3A090: TPP ≥ 4,800 and I/O ≥ 600 GB/s.
    Controlled2022,
    /// Oct-2023 3A090.a.1: TPP ≥ 4,800.
    A1,
    /// Oct-2023 3A090.a.2: TPP ≥ 1,600 and PD ≥ 5.92.
    A2,
    /// Oct-2023 3A090.b.1: 2,400 ≤ TPP < 4,800 and 1.6 ≤ PD < 5.92 (data-centre chips).
    B1,
    /// Oct-2023 3A090.b.2: TPP ≥ 1,600 and 3.2 ≤ PD < 5.92 (data-centre chips).
    B2,
    /// Below every threshold.
    NotControlled,
    /// Note 2 to 3A090: not designed or marketed for data centres and TPP < 4,800.
    OutsideNote2,
    /// The answer depends on performance density and the die area is unknown.
    UnknownDieArea,
}

impl Classification {
    /// The 3A090 group this classification belongs to, if it is controlled.
    pub fn group(self) -> Option<EccnClass> {
        match self {
            Classification::Controlled2022 | Classification::A1 | Classification::A2 => Some(EccnClass::A),
            Classification::B1 | Classification::B2 => Some(EccnClass::B),
            _ => None,
        }
    }

    /// Whether the chip is controlled under 3A090 (any entry).
    pub fn is_controlled(self) -> bool {
        self.group().is_some()
    }

    /// Short label: "3A090.a.1", "not controlled", ...
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Controlled2022 => "3A090 (Oct-2022)",
            Classification::A1 => "3A090.a.1",
            Classification::A2 => "3A090.a.2",
            Classification::B1 => "3A090.b.1",
            Classification::B2 => "3A090.b.2",
            Classification::NotControlled => "not controlled",
            Classification::OutsideNote2 => "not controlled (Note 2: not a data-centre part)",
            Classification::UnknownDieArea => "undetermined (die area unknown)",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Classification {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Classification under the Oct-2023 thresholds (still current): a.1 TPP ≥ 4,800; a.2 TPP ≥ 1,600
/// and PD ≥ 5.92; b.1 2,400 ≤ TPP < 4,800 and 1.6 ≤ PD < 5.92; b.2 TPP ≥ 1,600 and
/// 3.2 ≤ PD < 5.92 (the .b entries cover data-centre parts); Note 2 puts non-data-centre parts
/// with TPP < 4,800 outside 3A090.
pub fn classify_3a090(chip: &Accelerator) -> Classification {
    let tpp = tpp(chip);
    if tpp >= A1_TPP_MIN {
        return Classification::A1;
    }
    if !chip.datacenter_marketed {
        return Classification::OutsideNote2;
    }
    if tpp < A2_TPP_MIN {
        return Classification::NotControlled;
    }
    let Some(pd) = performance_density(chip) else {
        return Classification::UnknownDieArea;
    };
    if pd >= A2_PD_MIN {
        Classification::A2
    } else if tpp >= B1_TPP_MIN && pd >= B1_PD_MIN {
        Classification::B1
    } else if pd >= B2_PD_MIN {
        Classification::B2
    } else {
        Classification::NotControlled
    }
}

/// Classification under the Oct-2022 test: TPP ≥ 4,800 AND scale-up (aggregate bidirectional
/// I/O) bandwidth ≥ 600 GB/s. The chip's scale-up bandwidth stands in for the rule's
/// "aggregate bidirectional transfer rate over all inputs and outputs".
pub fn classify_oct2022(chip: &Accelerator) -> Classification {
    if tpp(chip) >= OCT2022_TPP_MIN && chip.scaleup_bw_gbps >= OCT2022_IO_MIN_GBPS {
        Classification::Controlled2022
    } else {
        Classification::NotControlled
    }
}

/// Classification of `chip` under the thresholds of `rule_set`.
pub fn classify(chip: &Accelerator, rule_set: RuleSet) -> Classification {
    match rule_set {
        RuleSet::Oct2022 => classify_oct2022(chip),
        RuleSet::Oct2023 => classify_3a090(chip),
    }
}
