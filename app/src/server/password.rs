//! Password hashing: argon2id (m = 19 456 KiB, t = 2, p = 1), PHC strings, on the blocking pool
//! with at most one hash per core at a time so a burst of logins cannot starve the server.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

/// A password as typed, normalised to Unicode NFKC (NIST SP 800-63B), so that the same
/// password typed on another keyboard or system (composed or decomposed "å", full-width
/// digits) is the same password. Not `Debug`, not `Serialize`: it cannot end up in a log or a
/// response.
pub struct PlainPassword(String);

impl PlainPassword {
    pub fn new(text: String) -> Self {
        use unicode_normalization::{UnicodeNormalization, is_nfkc};
        if is_nfkc(&text) { Self(text) } else { Self(text.nfkc().collect()) }
    }

    /// The normalised text, for the rules a new password must pass.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that answer takes as long as a wrong password.
    dummy_hash: Arc<str>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

impl PasswordHasherPool {
    pub async fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy_hash = tokio::task::spawn_blocking(|| hash_blocking("trygg-dummy-password-for-timing"))
            .await
            .expect("hashing the timing dummy cannot panic");
        Self { permits: Arc::new(Semaphore::new(cores)), dummy_hash: dummy_hash.into() }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let _permit = self.permits.acquire().await.expect("semaphore is never closed");
        tokio::task::spawn_blocking(work).await.expect("password hashing task panicked")
    }

    pub async fn hash(&self, password: PlainPassword) -> String {
        self.run(move || hash_blocking(&password.0)).await
    }

    /// `None` for the stored hash means "no such account": the work is done all the same.
    pub async fn verify(&self, password: PlainPassword, stored: Option<String>) -> bool {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self.run(move || verify_blocking(&password.0, &phc)).await;
        known && matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_the_minimum_cost() {
        let pool = PasswordHasherPool::new().await;
        let phc = pool.hash(PlainPassword::new("correct horse battery".into())).await;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(pool.verify(PlainPassword::new("correct horse battery".into()), Some(phc.clone())).await);
        assert!(!pool.verify(PlainPassword::new("correct horse batterY".into()), Some(phc)).await);
    }

    #[tokio::test]
    async fn passwords_are_compared_after_nfkc_normalisation() {
        let pool = PasswordHasherPool::new().await;
        // "blåbærsyltetøy" with a composed å, checked with a decomposed one (a + ring above).
        let composed = "bl\u{e5}b\u{e6}rsyltet\u{f8}y i fjellet";
        let decomposed = "bla\u{30a}b\u{e6}rsyltet\u{f8}y i fjellet";
        assert_ne!(composed, decomposed);
        let phc = pool.hash(PlainPassword::new(composed.into())).await;
        assert!(pool.verify(PlainPassword::new(decomposed.into()), Some(phc.clone())).await);
        // Full-width digits are the ASCII ones.
        let wide = pool.hash(PlainPassword::new("code \u{ff11}\u{ff12}\u{ff13} river".into())).await;
        assert!(pool.verify(PlainPassword::new("code 123 river".into()), Some(wide)).await);
        assert!(!pool.verify(PlainPassword::new("bla\u{30a}b\u{e6}rsyltet\u{f8}y i fjell".into()), Some(phc)).await);
    }

    #[tokio::test]
    async fn unknown_account_never_verifies_even_with_the_dummy_password() {
        let pool = PasswordHasherPool::new().await;
        assert!(!pool.verify(PlainPassword::new("trygg-dummy-password-for-timing".into()), None).await);
    }

    #[tokio::test]
    async fn garbage_stored_hash_does_not_verify() {
        let pool = PasswordHasherPool::new().await;
        assert!(!pool.verify(PlainPassword::new("x".into()), Some("not a phc".into())).await);
    }
}
