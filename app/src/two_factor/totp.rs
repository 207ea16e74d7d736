//! Time-based one-time codes (RFC 6238 over RFC 4226): HMAC-SHA-1, 6 digits, 30-second steps,
//! one step of clock drift either way. And the recovery codes that stand in for a code once each.

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::ids::UserId;

pub const STEP_SECS: i64 = 30;
/// Steps of clock drift accepted on either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "Trygg";

/// A TOTP secret. Not `Debug`, not `Serialize`: it leaves the server only inside the set-up
/// QR code and key, once.
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// 160 fresh bits from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() == SECRET_BYTES).then_some(Self(bytes))
    }

    /// A key as shown to the owner (base32, spaces allowed), e.g. typed back in by a test.
    pub fn from_base32(key: &str) -> Option<Self> {
        let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        totp_rs::Secret::Encoded(compact.to_uppercase()).to_bytes().ok().and_then(Self::from_bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, account: &str) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            DRIFT_STEPS as u8,
            STEP_SECS as u64,
            self.0.clone(),
            Some(ISSUER.to_string()),
            account.to_string(),
        )
    }

    /// The key as an authenticator app takes it when typed: base32, in groups of four.
    pub fn key_in_groups(&self) -> String {
        let base32 = self.totp("").get_secret_base32();
        base32
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `otpauth://` address the QR code carries.
    pub fn otpauth_url(&self, account: &str) -> String {
        self.totp(account).get_url()
    }

    /// The QR code as a PNG, base64-encoded.
    pub fn qr_png_base64(&self, account: &str) -> Result<String, String> {
        self.totp(account).get_qr_base64()
    }

    /// The code for a time step.
    pub fn code_at_step(&self, step: i64) -> String {
        self.totp("").generate((step.max(0) * STEP_SECS) as u64)
    }

    /// The time step whose code this is, within the drift window around `now`; `None` when the
    /// code matches none of them. All candidates are compared, each in constant time.
    pub fn matching_step(&self, code: &OneTimeCode, now: i64) -> Option<i64> {
        let current = now.div_euclid(STEP_SECS);
        let mut found = None;
        for step in current - DRIFT_STEPS..=current + DRIFT_STEPS {
            let matches: bool = self.code_at_step(step).as_bytes().ct_eq(code.0.as_bytes()).into();
            if matches && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// Six digits as typed, with spaces or a dash allowed between them.
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub fn parse(input: &str) -> Option<Self> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(Self(digits))
    }
}

pub const RECOVERY_CODE_COUNT: usize = 10;
/// Base32 without the look-alikes 0/O and 1/I: 5 bits a character.
const RECOVERY_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 16 characters: 80 bits, too many to guess online or to search from a leaked hash.
const RECOVERY_LEN: usize = 16;

/// A recovery code as typed, normalised (upper case, no spaces or dashes).
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub fn parse(input: &str) -> Option<Self> {
        let code: String =
            input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        (code.len() == RECOVERY_LEN && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(Self(code))
    }

    /// What is stored: bound to the account, so one hash says nothing about another account.
    pub fn hash(&self, user_id: UserId) -> Vec<u8> {
        Sha256::digest(format!("trygg-recovery-code:{user_id}:{}", self.0)).to_vec()
    }
}

/// A new set of recovery codes, formatted for reading (`ABCD-EFGH-JKLM-NPQR`).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_LEN];
            OsRng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes.iter().map(|b| RECOVERY_ALPHABET[usize::from(b % 32)] as char).collect();
            chars.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 4226 / RFC 6238 test key: ASCII "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn rfc_4226_hotp_test_vectors() {
        // Appendix D: HOTP values for counters 0..9. A TOTP step is an HOTP counter.
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        let secret = rfc_secret();
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(secret.code_at_step(counter as i64), *code, "counter {counter}");
        }
    }

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        // Appendix B lists 8-digit values; the last 6 digits are the 6-digit codes.
        let vectors = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        let secret = rfc_secret();
        for (time, code8) in vectors {
            assert_eq!(secret.code_at_step(time / STEP_SECS), code8[2..], "time {time}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_either_way_and_no_more() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_015;
        let current = now / STEP_SECS;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = OneTimeCode::parse(&secret.code_at_step(current + offset)).unwrap();
            let found = secret.matching_step(&code, now);
            if accepted {
                assert_eq!(found, Some(current + offset), "offset {offset}");
            } else {
                assert_ne!(found, Some(current + offset), "offset {offset}");
            }
        }
    }

    #[test]
    fn codes_are_parsed_strictly() {
        assert!(OneTimeCode::parse("123456").is_some());
        assert!(OneTimeCode::parse(" 123 456 ").is_some());
        assert!(OneTimeCode::parse("123-456").is_some());
        assert!(OneTimeCode::parse("12345").is_none());
        assert!(OneTimeCode::parse("1234567").is_none());
        assert!(OneTimeCode::parse("12345a").is_none());
        assert!(OneTimeCode::parse("١٢٣٤٥٦").is_none());
    }

    #[test]
    fn secrets_are_160_random_bits_and_shown_in_base32_groups() {
        let (a, b) = (TotpSecret::generate(), TotpSecret::generate());
        assert_eq!(a.as_bytes().len(), 20);
        assert_ne!(a.as_bytes(), b.as_bytes());
        let groups = a.key_in_groups();
        assert_eq!(TotpSecret::from_base32(&groups).unwrap().as_bytes(), a.as_bytes());
        assert_eq!(groups.replace(' ', "").len(), 32);
        assert!(groups.split(' ').all(|g| g.len() == 4));
        assert!(TotpSecret::from_bytes(vec![0; 19]).is_none());
        let url = a.otpauth_url("anne@example.no");
        assert!(url.starts_with("otpauth://totp/Trygg:anne%40example.no?secret="), "{url}");
        assert!(url.contains("issuer=Trygg"));
        assert!(a.qr_png_base64("anne@example.no").unwrap().len() > 100);
    }

    #[test]
    fn recovery_codes_are_distinct_readable_and_parse_back() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODE_COUNT);
        for code in &codes {
            assert_eq!(code.len(), 19);
            let parsed = RecoveryCode::parse(&code.to_lowercase().replace('-', " ")).unwrap();
            assert_eq!(parsed.hash(UserId(7)), RecoveryCode::parse(code).unwrap().hash(UserId(7)));
            assert_ne!(parsed.hash(UserId(7)), parsed.hash(UserId(8)));
        }
        assert!(RecoveryCode::parse("ABCD-EFGH-JKLM-NPQ0").is_none());
        assert!(RecoveryCode::parse("ABCD-EFGH-JKLM").is_none());
    }
}
