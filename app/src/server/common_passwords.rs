//! The common and breached passwords Trygg refuses: 360 000 of them (see
//! `tools/make_common_passwords.py`), kept as sorted 4-byte SHA-256 fingerprints in 1.7 MB.

use sha2::{Digest, Sha256};

static FINGERPRINTS: &[u8] = include_bytes!("../../data/common-passwords.bin");

fn fingerprint(password: &str) -> u32 {
    let digest = Sha256::digest(password.as_bytes());
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

fn at(index: usize) -> u32 {
    let bytes = &FINGERPRINTS[index * 4..index * 4 + 4];
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn contains(wanted: u32) -> bool {
    let (mut low, mut high) = (0, FINGERPRINTS.len() / 4);
    while low < high {
        let middle = low + (high - low) / 2;
        match at(middle).cmp(&wanted) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Whether the password, as typed or lower-cased, is on the list.
pub fn is_common(password: &str) -> bool {
    contains(fingerprint(password)) || contains(fingerprint(&password.to_lowercase()))
}

pub fn count() -> usize {
    FINGERPRINTS.len() / 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_large_and_sorted() {
        assert!(count() >= 100_000, "{}", count());
        assert!((1..count()).all(|i| at(i - 1) < at(i)));
    }

    #[test]
    fn common_passwords_are_found_in_any_case() {
        for common in ["password", "iloveyou", "PASSWORD", "IloveYou", "000webhost4ever"] {
            assert!(is_common(common), "{common}");
        }
    }

    #[test]
    fn uncommon_passphrases_are_not() {
        for fine in ["a calm river under nine bridges", "seven quiet herons by the fjord", "Trygg-kontoen min 2026!"] {
            assert!(!is_common(fine), "{fine}");
        }
    }
}
