//! What only Trygg's own user may open: the data directory (database, key file), the master key
//! file, and the configuration file (database and SMTP passwords). Trygg refuses to start when
//! another user could read or change one of them, rather than run with its secrets exposed.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum NotPrivate {
    #[error("{what} {path} is open to other users (mode {mode:03o}); run `chmod {fix} {path}` and start again")]
    Open { what: &'static str, path: String, mode: u32, fix: &'static str },
    #[error("{what} {path}: {source}")]
    Unreadable { what: &'static str, path: String, source: std::io::Error },
}

/// Fails when `path` grants any permission to its group or to others. A path that does not
/// exist yet passes: Trygg creates it privately.
pub fn ensure_private(path: &Path, what: &'static str) -> Result<(), NotPrivate> {
    let display = || path.display().to_string();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(NotPrivate::Unreadable { what, path: display(), source }),
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let fix = if metadata.is_dir() { "700" } else { "600" };
    Err(NotPrivate::Open { what, path: display(), mode, fix })
}

/// Creates `dir` (and missing parents) for the owner only, or checks the one that is there.
pub fn private_dir(dir: &Path, what: &'static str) -> Result<(), NotPrivate> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| NotPrivate::Unreadable { what, path: dir.display().to_string(), source })?;
    }
    ensure_private(dir, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("trygg-private-{}", crate::server::crypto::new_token()))
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn only_owner_only_modes_pass() {
        let dir = scratch();
        private_dir(&dir, "data directory").unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        let file = dir.join("trygg.conf");
        std::fs::write(&file, "X=1").unwrap();
        for (mode, private) in [(0o600, true), (0o400, true), (0o640, false), (0o604, false), (0o620, false)] {
            chmod(&file, mode);
            assert_eq!(ensure_private(&file, "configuration file").is_ok(), private, "{mode:o}");
        }
        let message = ensure_private(&file, "configuration file").unwrap_err().to_string();
        assert!(
            message.contains("chmod 600") && message.contains("trygg.conf") && message.contains("620"),
            "{message}"
        );

        for mode in [0o750, 0o705, 0o711, 0o755] {
            chmod(&dir, mode);
            let refused = private_dir(&dir, "data directory").unwrap_err().to_string();
            assert!(refused.contains("chmod 700"), "{refused}");
        }
        chmod(&dir, 0o700);
        assert!(ensure_private(&dir.join("not-there-yet"), "master key file").is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_parents_are_created_private_too() {
        let top = scratch();
        let dir = top.join("a").join("b");
        private_dir(&dir, "data directory").unwrap();
        for made in [&top, &top.join("a"), &dir] {
            assert_eq!(std::fs::metadata(made).unwrap().permissions().mode() & 0o777, 0o700, "{}", made.display());
        }
        std::fs::remove_dir_all(top).unwrap();
    }
}
