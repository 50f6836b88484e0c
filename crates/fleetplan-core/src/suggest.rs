//! "Did you mean …?" suggestions for misspelled ids and field names.

/// The closest candidate to `wrong` by normalised Damerau–Levenshtein similarity, if any
/// candidate is close enough (similarity ≥ 0.6 or edit distance ≤ 2) to be a plausible typo.
pub fn did_you_mean<'a, I>(wrong: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wrong_lower = wrong.to_ascii_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for candidate in candidates {
        let cand_lower = candidate.to_ascii_lowercase();
        let similarity = strsim::normalized_damerau_levenshtein(&wrong_lower, &cand_lower);
        let distance = strsim::damerau_levenshtein(&wrong_lower, &cand_lower);
        let plausible = similarity >= 0.6
            || distance <= 2
            || cand_lower.replace(['-', '_'], "") == wrong_lower.replace(['-', '_'], "");
        if plausible && best.is_none_or(|(_, s)| similarity > s) {
            best = Some((candidate, similarity));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_ids() {
        let ids = ["h100-sxm", "h200", "h20", "b200"];
        assert_eq!(did_you_mean("h2000", ids), Some("h200"));
        assert_eq!(did_you_mean("h100_sxm", ids), Some("h100-sxm"));
        assert_eq!(did_you_mean("zzzzzzzz", ids), None);
    }
}
