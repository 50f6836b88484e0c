//! Atomic `--out DIR`: every file of a command is written into a temporary directory beside
//! `DIR` and moved into place only when all of them were written, so a failure leaves nothing
//! behind (no report.html without its evaluation.json) and the command fails before it prints
//! its results as if all went well.

use super::Failure;
use super::args::user_error;
use std::path::{Path, PathBuf};

/// Files staged for one `--out DIR`.
#[derive(Debug)]
pub struct StagedOut {
    target: PathBuf,
    staging: PathBuf,
    files: Vec<String>,
    committed: bool,
}

impl StagedOut {
    /// Start staging files for `target` (created, with its parents, at commit if missing).
    pub fn new(target: &Path) -> Result<Self, Failure> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| user_error(format!("cannot create `{}`: {e}", parent.display())))?;
        let name = target.file_name().map_or("out".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.fleetplan-{}.tmp", std::process::id()));
        // A leftover from a killed run of the same process id is ours to replace.
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging)
            .map_err(|e| user_error(format!("cannot write into `{}`: {e}", parent.display())))?;
        Ok(Self { target: target.to_path_buf(), staging, files: Vec::new(), committed: false })
    }

    /// Write one file (a plain name, no directories) into the staging directory.
    pub fn write(&mut self, name: &str, contents: impl AsRef<[u8]>) -> Result<(), Failure> {
        std::fs::write(self.staging.join(name), contents)
            .map_err(|e| user_error(format!("cannot write {name} for `{}`: {e}", self.target.display())))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Move every staged file into the target directory. A missing target is the staging
    /// directory renamed (one atomic step); into an existing one, each file is checked first
    /// (a directory in the way fails before anything moves), then renamed.
    pub fn commit(mut self) -> Result<PathBuf, Failure> {
        let fail = |what: String, e: &dyn std::fmt::Display| user_error(format!("cannot write {what}: {e}"));
        if !self.target.exists() {
            std::fs::rename(&self.staging, &self.target)
                .map_err(|e| fail(format!("`{}`", self.target.display()), &e))?;
            self.committed = true;
            return Ok(self.target.clone());
        }
        if !self.target.is_dir() {
            return Err(fail(format!("into `{}`", self.target.display()), &"it exists and is not a directory"));
        }
        for name in &self.files {
            let dest = self.target.join(name);
            if dest.is_dir() {
                return Err(fail(format!("`{}`", dest.display()), &"a directory is in the way"));
            }
        }
        let mut moved: Vec<PathBuf> = Vec::new();
        for name in &self.files {
            let dest = self.target.join(name);
            let existed = dest.exists();
            if let Err(e) = std::fs::rename(self.staging.join(name), &dest) {
                for path in &moved {
                    let _ = std::fs::remove_file(path);
                }
                return Err(fail(format!("`{}`", dest.display()), &e));
            }
            if !existed {
                moved.push(dest);
            }
        }
        Ok(self.target.clone())
    }
}

impl Drop for StagedOut {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fleetplan-outdir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_directory_appears_whole() {
        let root = scratch("new");
        let target = root.join("report");
        let mut out = StagedOut::new(&target).unwrap();
        out.write("a.txt", "a").unwrap();
        out.write("b.txt", "b").unwrap();
        assert!(!target.exists(), "nothing in place before commit");
        out.commit().unwrap();
        assert_eq!(entries(&target), ["a.txt", "b.txt"]);
        assert_eq!(entries(&root), ["report"], "no staging directory left");
    }

    #[test]
    fn a_directory_in_the_way_leaves_nothing_behind() {
        let root = scratch("blocked");
        let target = root.join("report");
        std::fs::create_dir_all(target.join("b.txt")).unwrap();
        let mut out = StagedOut::new(&target).unwrap();
        out.write("a.txt", "a").unwrap();
        out.write("b.txt", "b").unwrap();
        assert!(out.commit().is_err());
        assert_eq!(entries(&target), ["b.txt"], "a.txt was not moved in");
        assert_eq!(entries(&root), ["report"], "no staging directory left");
    }
}
