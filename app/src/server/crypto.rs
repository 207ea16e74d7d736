//! Keys and the field-encryption helper.
//!
//! The master key lives outside the database. It is a keyring: numbered versions, the highest
//! one current. [`MasterKey::seal`] encrypts a field with XChaCha20-Poly1305 under a random
//! 192-bit nonce and the current version, whose number travels with the ciphertext; the
//! associated data binds the ciphertext to its purpose, row and key version, so a value copied to
//! another row or column fails to open. Client records are sealed one level down, with each
//! client's own data key (see `envelope`), which the master key only wraps.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use super::config::MasterKeySource;

/// Format of a sealed value, its first byte. Version 1 (the first releases) carried no key
/// number and means master key 1; version 2 carries the key number after the format byte.
const SEALED_V1: u8 = 1;
const SEALED_V2: u8 = 2;
const NONCE_LEN: usize = 24;

pub struct MasterKey {
    ring: RwLock<Ring>,
    /// The key file, read again whenever it changes (another process rotated or retired a key)
    /// and whenever a value names a version this process has not seen. `None` for inline keys.
    file: Option<KeyFile>,
}

struct KeyFile {
    path: PathBuf,
    /// The file as last read: a rotation replaces it (new inode, new time), which the next seal
    /// notices before it picks the current version.
    read: Mutex<Option<FileStamp>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    modified: std::time::SystemTime,
    len: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(Self { inode: meta.ino(), modified: meta.modified().ok()?, len: meta.len() })
    }
}

#[derive(Clone)]
struct Ring {
    keys: BTreeMap<u32, [u8; 32]>,
}

impl Ring {
    fn current(&self) -> (u32, &[u8; 32]) {
        self.keys.iter().next_back().map(|(v, k)| (*v, k)).expect("a keyring is never empty")
    }

    /// One key per line, `VERSION:BASE64`; a bare base64 line is version 1.
    fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys = BTreeMap::new();
        for line in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|l| !l.is_empty()) {
            let (version, key) = match line.split_once(':') {
                Some((v, k)) => (v.parse::<u32>().ok().filter(|v| *v > 0).ok_or(KeyError::Malformed)?, k),
                None => (1, line),
            };
            let bytes = STANDARD.decode(key).map_err(|_| KeyError::Malformed)?;
            let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
            if keys.insert(version, bytes).is_some() {
                return Err(KeyError::Malformed);
            }
        }
        if keys.is_empty() {
            return Err(KeyError::Malformed);
        }
        Ok(Self { keys })
    }

    fn render(&self) -> String {
        self.keys.iter().map(|(v, k)| format!("{v}:{}\n", STANDARD.encode(k))).collect()
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("master key must be base64 of exactly 32 bytes, one VERSION:BASE64 per line")]
    Malformed,
    #[error("master key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("master key file {path} is readable by others (mode {mode:o}); chmod 600 it")]
    Permissions { path: String, mode: u32 },
    #[error("the master key is given inline (TRYGG_MASTER_KEY); rotation needs a key file (TRYGG_MASTER_KEY_FILE)")]
    NotAFile,
}

/// Why a sealed value did not open. Deliberately without detail.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decrypt value")]
pub struct OpenError;

/// What a sealed value belongs to: e.g. purpose `"users.totp_secret"` and row `"user:7"`.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    pub purpose: &'a str,
    pub row: &'a str,
}

impl Binding<'_> {
    /// Length-prefixed so that no two different bindings encode alike; the key version last.
    pub(crate) fn encode(&self, key_version: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + self.purpose.len() + self.row.len());
        for part in [self.purpose, self.row] {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(&key_version.to_be_bytes());
        out
    }

    fn encode_v1(&self) -> Vec<u8> {
        let mut out = self.encode(0);
        out.truncate(out.len() - 4);
        out
    }
}

/// Encrypts `plaintext` as `[format][key version, 4 bytes][nonce][ciphertext + tag]`.
pub(crate) fn seal_with(cipher: &XChaCha20Poly1305, format: u8, version: u32, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
    let mut out = Vec::with_capacity(5 + NONCE_LEN + ciphertext.len());
    out.push(format);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// The key version a sealed value of this `format` names, and the rest after it.
pub(crate) fn split_versioned(sealed: &[u8], format: u8) -> Option<(u32, &[u8])> {
    match sealed {
        [f, a, b, c, d, rest @ ..] if *f == format && rest.len() >= NONCE_LEN => {
            Some((u32::from_be_bytes([*a, *b, *c, *d]), rest))
        }
        _ => None,
    }
}

pub(crate) fn open_with(
    cipher: &XChaCha20Poly1305,
    nonce_and_ciphertext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, OpenError> {
    let (nonce, ciphertext) = nonce_and_ciphertext.split_at(NONCE_LEN);
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad }).map_err(|_| OpenError)
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self { ring: RwLock::new(Ring { keys: BTreeMap::from([(1, *bytes)]) }), file: None }
    }

    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        Ok(Self { ring: RwLock::new(Ring::parse(text)?), file: None })
    }

    /// Loads the keyring, generating a first key into the file (mode 0600) on first start.
    pub fn load(source: &MasterKeySource) -> Result<Self, KeyError> {
        match source {
            MasterKeySource::Inline(text) => Self::from_base64(text),
            MasterKeySource::File(path) => {
                let ring = load_or_create_file(path)?;
                let file = KeyFile { path: path.clone(), read: Mutex::new(FileStamp::of(path)) };
                Ok(Self { ring: RwLock::new(ring), file: Some(file) })
            }
        }
    }

    /// The number of the key that seals new values.
    pub fn current_version(&self) -> u32 {
        self.refresh(false);
        self.ring.read().expect("keyring lock").current().0
    }

    /// Reads the key file again if it changed since it was last read (or always, with `force`),
    /// and adds the versions it holds. Versions are only ever added in memory: a value this
    /// process sealed a moment ago with a version that another process has just retired from the
    /// file still opens here.
    fn refresh(&self, force: bool) {
        let Some(file) = &self.file else { return };
        let mut read = file.read.lock().expect("key file lock");
        let now = FileStamp::of(&file.path);
        if !force && now == *read {
            return;
        }
        match read_key_file(&file.path).and_then(|text| Ring::parse(&text)) {
            Ok(on_disk) => {
                self.merge(on_disk);
                *read = now;
            }
            Err(error) => {
                tracing::error!(%error, "the master key file could not be read again; keeping the keys in use")
            }
        }
    }

    fn merge(&self, on_disk: Ring) {
        let mut ring = self.ring.write().expect("keyring lock");
        for (version, key) in on_disk.keys {
            match ring.keys.get(&version) {
                None => {
                    ring.keys.insert(version, key);
                }
                Some(known) if *known != key => {
                    tracing::error!(
                        version,
                        "the key file holds another key under a version in use; keeping the one in use"
                    );
                }
                Some(_) => {}
            }
        }
    }

    pub fn versions(&self) -> Vec<u32> {
        self.ring.read().expect("keyring lock").keys.keys().copied().collect()
    }

    /// A key for one purpose other than sealing (e.g. keyed hashes), derived from the current
    /// version with HMAC-SHA256. It changes when the master key is rotated.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        self.refresh(false);
        let ring = self.ring.read().expect("keyring lock");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(ring.current().1).expect("HMAC takes any key length");
        mac.update(b"trygg derived key\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Seals with the current version, as the key file says now: a version another process added
    /// a moment ago is used at once, so nothing new is sealed with a version about to be retired.
    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        self.refresh(false);
        let ring = self.ring.read().expect("keyring lock");
        let (version, key) = ring.current();
        seal_with(&XChaCha20Poly1305::new(key.into()), SEALED_V2, version, plaintext, &binding.encode(version))
    }

    pub fn open(&self, sealed: &[u8], binding: Binding<'_>) -> Result<Vec<u8>, OpenError> {
        let (version, rest, aad) = match sealed {
            [SEALED_V1, rest @ ..] if rest.len() >= NONCE_LEN => (1, rest, binding.encode_v1()),
            _ => {
                let (version, rest) = split_versioned(sealed, SEALED_V2).ok_or(OpenError)?;
                (version, rest, binding.encode(version))
            }
        };
        let key = self.key(version).ok_or(OpenError)?;
        open_with(&XChaCha20Poly1305::new((&key).into()), rest, &aad)
    }

    fn key(&self, version: u32) -> Option<[u8; 32]> {
        if let Some(key) = self.ring.read().expect("keyring lock").keys.get(&version) {
            return Some(*key);
        }
        // A newer key than this process knows: another process rotated it.
        self.refresh(true);
        self.ring.read().expect("keyring lock").keys.get(&version).copied()
    }

    fn key_file(&self) -> Result<&Path, KeyError> {
        self.file.as_ref().map(|file| file.path.as_path()).ok_or(KeyError::NotAFile)
    }

    /// Rotation's first step: adds a new current version to the key file (old ones stay, so
    /// whatever is sealed with them still opens). Returns the new version.
    pub fn add_version(&self) -> Result<u32, KeyError> {
        let path = self.key_file()?;
        let mut ring = Ring::parse(&read_key_file(path)?)?;
        let version = ring.current().0 + 1;
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        ring.keys.insert(version, key);
        write_key_file(path, &ring)?;
        self.refresh(true);
        Ok(version)
    }

    /// Retirement, once nothing is sealed with the older versions any more: drops them from the
    /// key file for good. Returns the versions dropped.
    pub fn retire_old_versions(&self) -> Result<Vec<u32>, KeyError> {
        let path = self.key_file()?;
        let ring = Ring::parse(&read_key_file(path)?)?;
        let (version, key) = ring.current();
        let retired = ring.keys.keys().copied().filter(|v| *v != version).collect();
        write_key_file(path, &Ring { keys: BTreeMap::from([(version, *key)]) })?;
        let mut in_use = self.ring.write().expect("keyring lock");
        in_use.keys.retain(|v, _| *v >= version);
        Ok(retired)
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io { path: path.display().to_string(), source }
}

fn read_key_file(path: &Path) -> Result<String, KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_err(io_error(path))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions { path: path.display().to_string(), mode });
    }
    std::fs::read_to_string(path).map_err(io_error(path))
}

/// Writes the whole keyring to a new file beside the old one, then renames it over: a crash
/// leaves either the old file or the new one, never half of one.
fn write_key_file(path: &Path, ring: &Ring) -> Result<(), KeyError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = io_error(path);
    let staging = path.with_extension(format!("new-{}", new_token()));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&staging).map_err(&io)?;
    file.write_all(ring.render().as_bytes()).map_err(&io)?;
    file.sync_all().map_err(&io)?;
    std::fs::rename(&staging, path).map_err(&io)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(&io)?;
    }
    Ok(())
}

fn load_or_create_file(path: &Path) -> Result<Ring, KeyError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = io_error(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(&io)?;
    }
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let ring = Ring { keys: BTreeMap::from([(1, key)]) };
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(ring.render().as_bytes()).map_err(&io)?;
            file.sync_all().map_err(&io)?;
            tracing::info!(path = %path.display(), "generated a new master key");
            Ok(ring)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ring::parse(&read_key_file(path)?),
        Err(e) => Err(io(e)),
    }
}

/// The master key version a stored value was sealed with, read from its header (the first five
/// bytes are enough), or `None` when the master key did not seal it (a client data key did).
pub fn master_version_of(sealed: &[u8]) -> Option<u32> {
    match sealed {
        [SEALED_V1, ..] => Some(1),
        [SEALED_V2, a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// A random key of its own for one short-lived thing (a practice's export archive): stored only
/// wrapped by the master key, so the database alone opens nothing it sealed. Never printed.
pub struct DataKey {
    bytes: [u8; 32],
}

const DATA_KEY_VERSION: u32 = 1;

impl DataKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// The key sealed by the master key, bound to `binding`.
    pub fn wrap(&self, master: &MasterKey, binding: Binding<'_>) -> Vec<u8> {
        master.seal(&self.bytes, binding)
    }

    pub fn unwrap(master: &MasterKey, wrapped: &[u8], binding: Binding<'_>) -> Result<Self, OpenError> {
        let bytes = master.open(wrapped, binding)?;
        Ok(Self { bytes: bytes.try_into().map_err(|_| OpenError)? })
    }

    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.bytes).into());
        seal_with(&cipher, SEALED_V2, DATA_KEY_VERSION, plaintext, &binding.encode(DATA_KEY_VERSION))
    }

    pub fn open(&self, sealed: &[u8], binding: Binding<'_>) -> Result<Vec<u8>, OpenError> {
        let (version, rest) = split_versioned(sealed, SEALED_V2).ok_or(OpenError)?;
        if version != DATA_KEY_VERSION {
            return Err(OpenError);
        }
        open_with(&XChaCha20Poly1305::new((&self.bytes).into()), rest, &binding.encode(version))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// A fresh random token of 256 bits, URL-safe. The caller stores only [`token_hash`] of it.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_bytes(&[7; 32])
    }

    const ROW: Binding<'static> = Binding { purpose: "journal.text", row: "practice:1/client:2/entry:3" };

    #[test]
    fn round_trip() {
        let sealed = key().seal(b"private words", ROW);
        assert_eq!(key().open(&sealed, ROW).unwrap(), b"private words");
        assert!(!sealed.windows(13).any(|w| w == b"private words"));
    }

    #[test]
    fn same_plaintext_seals_differently() {
        assert_ne!(key().seal(b"x", ROW), key().seal(b"x", ROW));
    }

    #[test]
    fn another_row_or_purpose_cannot_open() {
        let sealed = key().seal(b"secret", ROW);
        let other_row = Binding { row: "practice:1/client:9/entry:3", ..ROW };
        let other_purpose = Binding { purpose: "journal.title", ..ROW };
        assert_eq!(key().open(&sealed, other_row), Err(OpenError));
        assert_eq!(key().open(&sealed, other_purpose), Err(OpenError));
    }

    #[test]
    fn bindings_cannot_be_shifted_between_parts() {
        let a = Binding { purpose: "ab", row: "c" };
        let b = Binding { purpose: "a", row: "bc" };
        let sealed = key().seal(b"secret", a);
        assert_eq!(key().open(&sealed, b), Err(OpenError));
    }

    #[test]
    fn another_key_or_tampering_fails() {
        let sealed = key().seal(b"secret", ROW);
        assert_eq!(MasterKey::from_bytes(&[8; 32]).open(&sealed, ROW), Err(OpenError));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key().open(&tampered, ROW), Err(OpenError));
        assert_eq!(key().open(&sealed[..10], ROW), Err(OpenError));
        assert_eq!(key().open(&[], ROW), Err(OpenError));
    }

    #[test]
    fn key_file_is_created_0600_and_reloaded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("trygg-key-{}", new_token()));
        let path = dir.join("master.key");
        let first = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let sealed = first.seal(b"kept", ROW);
        let again = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        assert_eq!(again.open(&sealed, ROW).unwrap(), b"kept");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(MasterKey::load(&MasterKeySource::File(path)), Err(KeyError::Permissions { .. })));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn values_sealed_before_key_versions_still_open() {
        let cipher = XChaCha20Poly1305::new((&[7u8; 32]).into());
        let mut legacy = vec![SEALED_V1];
        let nonce = [3u8; NONCE_LEN];
        legacy.extend_from_slice(&nonce);
        legacy.extend(
            cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: b"old", aad: &ROW.encode_v1() }).unwrap(),
        );
        assert_eq!(key().open(&legacy, ROW).unwrap(), b"old");
        assert_eq!(key().open(&legacy, Binding { row: "user:9", ..ROW }), Err(OpenError));
    }

    #[test]
    fn rotation_adds_a_version_then_retires_the_old_one() {
        let dir = std::env::temp_dir().join(format!("trygg-key-{}", new_token()));
        let path = dir.join("master.key");
        let ring = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        let old = ring.seal(b"kept", ROW);
        assert_eq!(old[1..5], 1u32.to_be_bytes());

        // Another process (the rotate command) adds version 2; this one learns it from the file.
        let other = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        assert_eq!(other.add_version().unwrap(), 2);
        let new = other.seal(b"fresh", ROW);
        assert_eq!(new[1..5], 2u32.to_be_bytes());
        assert_eq!(ring.open(&new, ROW).unwrap(), b"fresh");
        assert_eq!(ring.open(&old, ROW).unwrap(), b"kept");
        assert_eq!(ring.current_version(), 2);

        assert_eq!(other.retire_old_versions().unwrap(), vec![1]);
        assert_eq!(other.versions(), vec![2]);
        assert_eq!(other.open(&old, ROW), Err(OpenError));
        let reloaded = MasterKey::load(&MasterKeySource::File(path)).unwrap();
        assert_eq!(reloaded.versions(), vec![2]);
        assert_eq!(reloaded.open(&new, ROW).unwrap(), b"fresh");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_running_process_seals_with_a_version_added_elsewhere_and_never_forgets_one_in_use() {
        let dir = std::env::temp_dir().join(format!("trygg-key-{}", new_token()));
        let path = dir.join("master.key");
        let server = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        let before = server.seal(b"old", ROW);

        // The rotate command, another process, adds version 2: the server's next seal uses it
        // without first meeting a value sealed with it.
        let command = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        command.add_version().unwrap();
        let after = server.seal(b"new", ROW);
        assert_eq!(master_version_of(&after), Some(2));

        // Retiring version 1 from the file does not take it from the running server.
        command.retire_old_versions().unwrap();
        assert_eq!(server.current_version(), 2);
        assert_eq!(server.open(&before, ROW).unwrap(), b"old");
        assert_eq!(server.versions(), vec![1, 2]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_master_version_of_a_value_is_read_from_its_header() {
        let ring = MasterKey::from_base64(&format!("7:{}", STANDARD.encode([1u8; 32]))).unwrap();
        assert_eq!(master_version_of(&ring.seal(b"x", ROW)), Some(7));
        assert_eq!(master_version_of(&[SEALED_V1; 40]), Some(1));
        assert_eq!(master_version_of(&[0x10; 40]), None, "sealed with a client's data key");
        assert_eq!(master_version_of(b""), None);
    }

    #[test]
    fn the_key_version_cannot_be_swapped() {
        let ring =
            MasterKey::from_base64(&format!("1:{}\n2:{}", STANDARD.encode([1u8; 32]), STANDARD.encode([1u8; 32])))
                .unwrap();
        let mut sealed = ring.seal(b"secret", ROW);
        sealed[1..5].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(ring.open(&sealed, ROW), Err(OpenError));
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_master_key() {
        assert_eq!(key().derive("a"), key().derive("a"));
        assert_ne!(key().derive("a"), key().derive("b"));
        assert_ne!(key().derive("a"), MasterKey::from_bytes(&[8; 32]).derive("a"));
        assert_ne!(key().derive("a"), [7; 32]);
    }

    #[test]
    fn inline_keys_cannot_be_rotated() {
        assert!(matches!(key().add_version(), Err(KeyError::NotAFile)));
    }

    #[test]
    fn malformed_inline_keys_are_refused() {
        assert!(MasterKey::from_base64("0:AAAA").is_err());
        assert!(MasterKey::from_base64(&format!("1:{k}\n1:{k}", k = STANDARD.encode([1u8; 32]))).is_err());
        assert!(MasterKey::from_base64("too-short").is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([1u8; 31])).is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), a.as_bytes());
    }
}
