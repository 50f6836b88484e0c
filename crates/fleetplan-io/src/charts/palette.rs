//! The one colour mapping of every chart (docs/charts.md has the table): a colour per chip
//! vendor, shades of it per chip, a colour per region and per spend category. Colours are keyed
//! by id, never by position in a chart, so a chip or a region looks the same in every chart,
//! in the report and in the dashboard.

use fleetplan_core::catalog::Catalog;

/// Base colour per chip vendor (lower-case vendor name → colour). Chips of a vendor get shades of
/// it ([`chip_colour`]).
pub const VENDOR_COLOURS: [(&str, &str); 8] = [
    ("nvidia", "#5a9e1b"),
    ("huawei", "#c8102e"),
    ("cambricon", "#7d3c98"),
    ("amd", "#e0702a"),
    ("google", "#3b76d9"),
    ("intel", "#13898b"),
    ("aws", "#d4a017"),
    ("moore threads", "#8d6e63"),
];

/// Colour of a vendor the table does not name, and of a chip the catalog does not know.
pub const OTHER_VENDOR: &str = "#7f7f7f";

/// Colour per catalog region id; a region the table does not name gets a grey.
pub const REGION_COLOURS: [(&str, &str); 10] = [
    ("cn", "#d1495b"),
    ("my-johor", "#00798c"),
    ("th", "#edae49"),
    ("sg", "#30638e"),
    ("id", "#8cb369"),
    ("ae", "#a05195"),
    ("sa", "#6b4226"),
    ("fi", "#4f6d7a"),
    ("us", "#003f88"),
    ("br", "#3a7d44"),
];

/// Colour of a region the table does not name.
pub const OTHER_REGION: &str = "#9e9e9e";

/// Colour per spend category (the evaluation's `SpendLine::categories` names).
pub const CATEGORY_COLOURS: [(&str, &str); 8] = [
    ("accelerators", "#264653"),
    ("servers", "#2a9d8f"),
    ("network", "#8ab17d"),
    ("storage", "#e9c46a"),
    ("buildings", "#f4a261"),
    ("electricity", "#e76f51"),
    ("maintenance", "#b5838d"),
    ("leases", "#6d597a"),
];

/// Demand lines and other neutral ink.
pub const DEMAND: &str = "#222222";
/// Shading of capacity idle at the peak (headroom); bars use the hatch pattern.
pub const HEADROOM: &str = "#9a9a9a";
/// Shading of demand not served (shortfall).
pub const SHORTFALL: &str = "#d62828";
/// Reference lines (budget, price, nominal).
pub const REFERENCE: &str = "#444444";
/// Low end of a range (p5 in a tornado).
pub const LOW: &str = "#3b76d9";
/// High end of a range (p95 in a tornado).
pub const HIGH: &str = "#e0702a";

/// The vendor base colour of `vendor` (any case).
pub fn vendor_colour(vendor: &str) -> &'static str {
    let key = vendor.to_ascii_lowercase();
    VENDOR_COLOURS.iter().find(|(v, _)| *v == key).map_or(OTHER_VENDOR, |(_, c)| c)
}

/// The colour of a chip: its vendor's colour with the hue turned by up to ±18° and the
/// lightness moved, by the chip's place among the vendor's chips in the catalog sorted by id
/// (a two-dimensional low-discrepancy sequence, so that any few chips of a vendor get distinct
/// shades). A chip the catalog does not hold is grey.
pub fn chip_colour(catalog: &Catalog, chip: &str) -> String {
    let Ok(accelerator) = catalog.accelerator(chip) else { return OTHER_VENDOR.to_string() };
    let vendor = accelerator.vendor.to_ascii_lowercase();
    let mut ids: Vec<&str> =
        catalog.accelerators.iter().filter(|a| a.vendor.eq_ignore_ascii_case(&vendor)).map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    let k = ids.iter().position(|id| *id == accelerator.id).unwrap_or(0) as f64;
    // The R2 sequence: k·(1/φ₂, 1/φ₂²), φ₂ the plastic number.
    let (u, v) = ((0.5 + k * 0.754_877_666_2).fract(), (0.5 + k * 0.569_840_291).fract());
    let (h, l, s) = to_hls(vendor_colour(&vendor));
    from_hls((h + (u - 0.5) * 36.0).rem_euclid(360.0), (l + (v - 0.5) * 0.5).clamp(0.2, 0.68), s)
}

/// `#rrggbb` as (hue in degrees, lightness 0–1, saturation 0–1).
fn to_hls(hex: &str) -> (f64, f64, f64) {
    let [r, g, b] =
        [1, 3, 5].map(|i| f64::from(u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128)) / 255.0);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    if d == 0.0 {
        return (0.0, l, 0.0);
    }
    let s = if l > 0.5 { d / (2.0 - max - min) } else { d / (max + min) };
    let h = if max == r {
        ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    (60.0 * h, l, s)
}

/// (hue in degrees, lightness, saturation) as `#rrggbb`.
fn from_hls(h: f64, l: f64, s: f64) -> String {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0).rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// The colour of a chip or system id: a system is drawn in its accelerator's colour.
pub fn hardware_colour(catalog: &Catalog, hardware: &str) -> String {
    match catalog.system(hardware) {
        Ok(system) => chip_colour(catalog, &system.accelerator),
        Err(_) => chip_colour(catalog, hardware),
    }
}

/// The colour of a region id.
pub fn region_colour(region: &str) -> &'static str {
    REGION_COLOURS.iter().find(|(r, _)| *r == region).map_or(OTHER_REGION, |(_, c)| c)
}

/// The colour of a spend category.
pub fn category_colour(category: &str) -> &'static str {
    CATEGORY_COLOURS.iter().find(|(c, _)| *c == category).map_or(OTHER_REGION, |(_, c)| c)
}

/// `#rrggbb` mixed towards white (`amount` > 0) or black (`amount` < 0) by |amount| (0–1).
pub fn shade(hex: &str, amount: f64) -> String {
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    let amount = amount.clamp(-1.0, 1.0);
    let mix = |c: u8| -> u8 {
        let c = f64::from(c);
        let v = if amount >= 0.0 { c + (255.0 - c) * amount } else { c * (1.0 + amount) };
        v.round().clamp(0.0, 255.0) as u8
    };
    format!("#{:02x}{:02x}{:02x}", mix(channel(1)), mix(channel(3)), mix(channel(5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chips_of_one_vendor_get_distinct_shades_of_its_colour() {
        let catalog = Catalog::builtin().unwrap();
        let nvidia: Vec<String> =
            ["h20", "h200", "h100-sxm", "b200"].iter().map(|c| chip_colour(&catalog, c)).collect();
        let mut unique = nvidia.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), nvidia.len(), "{nvidia:?}");
        // Shades of the vendor's hue (within 18°), and far enough apart to tell apart.
        let (vendor_hue, _, _) = to_hls(vendor_colour("NVIDIA"));
        for c in &nvidia {
            let (h, _, _) = to_hls(c);
            assert!((h - vendor_hue).abs() <= 18.5, "{c} is not a shade of the NVIDIA green");
        }
        let rgb = |c: &str| [1, 3, 5].map(|i| f64::from(u8::from_str_radix(&c[i..i + 2], 16).unwrap()));
        for (i, a) in nvidia.iter().enumerate() {
            for b in &nvidia[i + 1..] {
                let d = rgb(a).iter().zip(rgb(b)).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
                assert!(d > 40.0, "{a} and {b} are too close ({d:.0})");
            }
        }
        assert_ne!(chip_colour(&catalog, "ascend-910b"), chip_colour(&catalog, "h20"));
        assert_eq!(chip_colour(&catalog, "no-such-chip"), OTHER_VENDOR);
    }

    #[test]
    fn every_catalog_region_and_vendor_has_its_own_colour() {
        let catalog = Catalog::builtin().unwrap();
        for region in &catalog.regions {
            assert_ne!(region_colour(&region.id), OTHER_REGION, "region {} has no colour", region.id);
        }
        for chip in &catalog.accelerators {
            assert_ne!(vendor_colour(&chip.vendor), OTHER_VENDOR, "vendor {} has no colour", chip.vendor);
        }
        let mut colours: Vec<&str> =
            REGION_COLOURS.iter().map(|r| r.1).chain(VENDOR_COLOURS.iter().map(|v| v.1)).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), REGION_COLOURS.len() + VENDOR_COLOURS.len());
    }

    #[test]
    fn shades_stay_valid_colours() {
        assert_eq!(shade("#000000", 1.0), "#ffffff");
        assert_eq!(shade("#ffffff", -1.0), "#000000");
        assert_eq!(shade("#808080", 0.0), "#808080");
        for c in ["#5a9e1b", "#c8102e", "#3b76d9", "#808080"] {
            let (h, l, s) = to_hls(c);
            assert_eq!(from_hls(h, l, s), c);
        }
    }

    #[test]
    fn docs_charts_md_lists_the_colours_the_code_uses() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/charts.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let catalog = Catalog::builtin().unwrap();
        let cells = |line: &str| -> Vec<String> {
            line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect()
        };
        let (mut chips, mut vendors, mut regions) = (0, 0, 0);
        for line in doc.lines().filter(|l| l.starts_with("| ") && l.contains("`#")) {
            match cells(line).as_slice() {
                [_, chip, colour] => {
                    assert_eq!(&chip_colour(&catalog, chip), colour, "{line}");
                    chips += 1;
                }
                [key, colour] if key == "any other" => assert!([OTHER_VENDOR, OTHER_REGION].contains(&colour.as_str())),
                [key, colour] if catalog.regions.iter().any(|r| &r.id == key) => {
                    assert_eq!(region_colour(key), colour, "{line}");
                    regions += 1;
                }
                [key, colour] => {
                    assert_eq!(vendor_colour(key), colour, "{line}");
                    vendors += 1;
                }
                _ => panic!("unexpected table row: {line}"),
            }
        }
        assert_eq!(chips, catalog.accelerators.len(), "every catalog chip is in the table");
        assert_eq!(vendors, VENDOR_COLOURS.len());
        assert_eq!(regions, REGION_COLOURS.len());
    }
}
