//! The files the server may read: the workspace's `examples/*.toml`, embedded at build time,
//! and the scenario files named on the command line, read again at each request (so an edit
//! on disk shows). A request names a file by the name in the list; any other name — a path,
//! `../../etc/passwd`, an encoded variant, an absolute path — is 404 `not_found`. Nothing else
//! on disk is ever opened.

use crate::error::ApiError;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
}

/// Where a listed file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// One of the embedded `examples/*.toml`.
    Example,
    /// A file named on the command line.
    Given,
}

/// A file the server may read, as listed by `GET /api/files`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileInfo {
    /// Its name in the API (the file name; a given file whose name is taken gets `-2`, `-3`…).
    pub name: String,
    /// Example or given.
    pub kind: FileKind,
    /// The scenario's `name = "…"`, when it has one.
    pub title: Option<String>,
}

/// A file named on the command line cannot be offered.
#[derive(Debug, thiserror::Error)]
#[error("cannot serve `{}`: {reason}", path.display())]
pub struct FileError {
    /// The path as given.
    pub path: PathBuf,
    /// Why (missing, a directory).
    pub reason: String,
}

#[derive(Debug)]
enum Source {
    Embedded(&'static str),
    Disk(PathBuf),
}

#[derive(Debug)]
struct Entry {
    name: String,
    kind: FileKind,
    source: Source,
}

/// The list of readable files.
#[derive(Debug)]
pub struct AllowedFiles {
    entries: Vec<Entry>,
}

impl AllowedFiles {
    /// The embedded examples and `given` (each must be an existing file).
    pub fn new(given: &[PathBuf]) -> Result<Self, FileError> {
        let mut entries: Vec<Entry> = embedded::EXAMPLES
            .iter()
            .filter_map(|(name, bytes)| {
                let text = std::str::from_utf8(bytes).ok()?;
                Some(Entry { name: (*name).to_string(), kind: FileKind::Example, source: Source::Embedded(text) })
            })
            .collect();
        for path in given {
            if !path.is_file() {
                let reason = if path.exists() { "not a regular file" } else { "no such file" };
                return Err(FileError { path: path.clone(), reason: reason.into() });
            }
            let base =
                path.file_name().map_or_else(|| "scenario.toml".to_string(), |n| n.to_string_lossy().into_owned());
            let name = unique_name(&base, &entries);
            entries.push(Entry { name, kind: FileKind::Given, source: Source::Disk(path.clone()) });
        }
        Ok(Self { entries })
    }

    /// Every file with its kind and title (given files are read for their titles; one that
    /// cannot be read now has none).
    pub fn list(&self) -> Vec<FileInfo> {
        self.entries
            .iter()
            .map(|e| FileInfo { name: e.name.clone(), kind: e.kind, title: read(e).ok().as_deref().and_then(title) })
            .collect()
    }

    /// The file listed as `name` and its text; 404 for any name not in the list.
    pub fn read(&self, name: &str) -> Result<(FileInfo, String), ApiError> {
        let entry = self.entries.iter().find(|e| e.name == name).ok_or_else(|| {
            ApiError::not_found(format!("no file named `{}` is served here (see GET /api/files)", name.escape_debug()))
        })?;
        let text = read(entry)?;
        Ok((FileInfo { name: entry.name.clone(), kind: entry.kind, title: title(&text) }, text))
    }
}

/// `base`, or `stem-N.ext` for the first N ≥ 2 not yet taken.
fn unique_name(base: &str, taken: &[Entry]) -> String {
    let free = |n: &str| taken.iter().all(|e| e.name != n);
    if free(base) {
        return base.to_string();
    }
    let (stem, ext) = base.rsplit_once('.').map_or((base, String::new()), |(s, e)| (s, format!(".{e}")));
    (2..).map(|i| format!("{stem}-{i}{ext}")).find(|n| free(n)).unwrap_or_else(|| base.to_string())
}

fn read(entry: &Entry) -> Result<String, ApiError> {
    match &entry.source {
        Source::Embedded(text) => Ok((*text).to_string()),
        Source::Disk(path) => read_disk(path),
    }
}

fn read_disk(path: &Path) -> Result<String, ApiError> {
    fleetplan_io::source::read_source(path)
        .map(|s| s.text)
        .map_err(|e| ApiError::not_found(format!("the file given at start cannot be read now: {e}")))
}

/// The scenario's name: `name = "…"` in its `[scenario]` table (or at the top level, before
/// any table), if any.
pub fn title(text: &str) -> Option<String> {
    let mut in_scenario = true;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_scenario = line == "[scenario]";
            continue;
        }
        if !in_scenario {
            continue;
        }
        if let Some(rest) = line.strip_prefix("name")
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            let inner = value.trim().strip_prefix('"')?;
            return inner.split_once('"').map(|(v, _)| v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_of_the_workspace_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        let files = AllowedFiles::new(&[]).unwrap();
        assert!(!on_disk.is_empty());
        for name in on_disk {
            assert!(files.read(&name).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_given_file_with_a_taken_name_is_renamed_and_paths_are_not_names() {
        let path =
            std::env::temp_dir().join(format!("fleetplan-server-{}", std::process::id())).join("quickstart.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "name = \"Mine\"\n[x]\n").unwrap();
        let files = AllowedFiles::new(std::slice::from_ref(&path)).unwrap();
        let (info, text) = files.read("quickstart-2.toml").unwrap();
        assert_eq!((info.kind, info.title.as_deref()), (FileKind::Given, Some("Mine")));
        assert!(text.starts_with("name"));
        assert!(files.read(&path.display().to_string()).is_err());
        assert!(files.read("../../etc/passwd").is_err());
        std::fs::remove_file(&path).ok();
    }

    #[test]
    fn a_missing_given_file_is_refused_at_start() {
        let err = AllowedFiles::new(&[PathBuf::from("/nonexistent/x.toml")]).unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
    }

    #[test]
    fn titles_come_from_the_top_level_name() {
        assert_eq!(title("# c\nname = \"A b\"\n[buyer]\nname = \"B\"").as_deref(), Some("A b"));
        assert_eq!(title("[buyer]\nname = \"B\"\n[scenario]\nname = \"S\"").as_deref(), Some("S"));
        assert_eq!(title("[buyer]\nname = \"B\""), None);
    }
}
