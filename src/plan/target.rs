//! `--target`/`--exclude` words: a resource id, a resource name (live, or
//! the manifest entry's `name`), or a glob (`*`, `?`, `[...]`) over ids and
//! names. Pure: the planner hands in the candidates.

/// What one `--target`/`--exclude` word picks among `candidates`
/// (`(id, names)` of the managed main resources): an exact id first, else
/// every resource whose name equals the word, else (when the word has glob
/// characters) every id or name the glob matches. Empty when nothing fits.
pub fn select<'a, I, N>(word: &str, candidates: I) -> Vec<String>
where
    I: IntoIterator<Item = (&'a str, N)> + Clone,
    N: Iterator<Item = &'a str>,
{
    if let Some((id, _)) = candidates.clone().into_iter().find(|(id, _)| *id == word) {
        return vec![id.to_string()];
    }
    let by_name: Vec<String> = candidates
        .clone()
        .into_iter()
        .filter_map(|(id, mut names)| names.any(|n| n == word).then(|| id.to_string()))
        .collect();
    if !by_name.is_empty() || !is_glob(word) {
        return by_name;
    }
    let Ok(pattern) = glob::Pattern::new(word) else {
        return Vec::new();
    };
    candidates
        .into_iter()
        .filter_map(|(id, mut names)| {
            (pattern.matches(id) || names.any(|n| pattern.matches(n))).then(|| id.to_string())
        })
        .collect()
}

/// Whether a word is a glob rather than a literal id or name.
pub fn is_glob(word: &str) -> bool {
    word.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(word: &str) -> Vec<String> {
        let c = [
            ("id-1", vec!["prod-web-01"]),
            ("id-2", vec!["prod-web-02", "web-two"]),
            ("id-3", vec!["staging-db"]),
        ];
        select(word, c.iter().map(|(id, n)| (*id, n.iter().copied())))
    }

    #[test]
    fn ids_names_and_globs() {
        assert_eq!(pick("id-2"), ["id-2"]);
        assert_eq!(pick("prod-web-01"), ["id-1"]);
        // The manifest's name counts as well as the live one.
        assert_eq!(pick("web-two"), ["id-2"]);
        assert_eq!(pick("prod-web-*"), ["id-1", "id-2"]);
        assert_eq!(pick("id-?"), ["id-1", "id-2", "id-3"]);
        assert!(pick("nosuch").is_empty());
        assert!(pick("nosuch-*").is_empty());
        // Not a glob: a name with no match is nothing, not a pattern.
        assert!(pick("prod-web").is_empty());
        assert!(pick("[").is_empty());
    }
}
