//! Keys and the field-encryption helper.
//!
//! The master key lives outside the database. [`MasterKey::seal`] encrypts a field with
//! XChaCha20-Poly1305 under a random 192-bit nonce; the associated data binds the ciphertext to
//! its purpose and row, so a value copied to another row or column fails to open.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use super::config::MasterKeySource;

/// Format version of a sealed value; the first byte of every ciphertext.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 24;

pub struct MasterKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("master key must be base64 of exactly 32 bytes")]
    Malformed,
    #[error("master key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("master key file {path} is readable by others (mode {mode:o}); chmod 600 it")]
    Permissions { path: String, mode: u32 },
}

/// Why a sealed value did not open. Deliberately without detail.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decrypt value")]
pub struct OpenError;

/// What a sealed value belongs to: e.g. purpose `"booking.ip"` and row `"practice:1/booking:7"`.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    pub purpose: &'a str,
    pub row: &'a str,
}

impl Binding<'_> {
    /// Length-prefixed so that no two different bindings encode alike.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.purpose.len() + self.row.len());
        for part in [self.purpose, self.row] {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self { cipher: XChaCha20Poly1305::new(bytes.into()) }
    }

    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_bytes(&bytes))
    }

    /// Loads the key, generating it into the file (mode 0600) on first start.
    pub fn load(source: &MasterKeySource) -> Result<Self, KeyError> {
        match source {
            MasterKeySource::Inline(text) => Self::from_base64(text),
            MasterKeySource::File(path) => Self::load_or_create_file(path),
        }
    }

    fn load_or_create_file(path: &Path) -> Result<Self, KeyError> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(mut file) => {
                file.write_all(STANDARD.encode(key).as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                tracing::info!(path = %path.display(), "generated a new master key");
                Ok(Self::from_bytes(&key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(KeyError::Permissions { path: path.display().to_string(), mode });
                }
                Self::from_base64(&std::fs::read_to_string(path).map_err(io)?)
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let aad = binding.encode();
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], binding: Binding<'_>) -> Result<Vec<u8>, OpenError> {
        let [SEALED_V1, rest @ ..] = sealed else { return Err(OpenError) };
        if rest.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = binding.encode();
        self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad }).map_err(|_| OpenError)
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
    fn malformed_inline_keys_are_refused() {
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
