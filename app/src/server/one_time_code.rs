//! Mailed one-time codes for a link (a consent link, a message link): six random digits, kept
//! only as a MAC keyed with the link's token. The database holds the token's hash alone, so a
//! copy of it cannot be searched for the million possible codes.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Six random digits from the OS's generator.
pub fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

fn keyed(token: &str, purpose: &str, row: i64, code: &str) -> HmacSha256 {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = HmacSha256::new_from_slice(token.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(format!("{purpose}:{row}:{code}").as_bytes());
    mac
}

/// The stored form of `code`, mailed for the link `token` whose row is `row`.
pub fn stored(token: &str, purpose: &str, row: i64, code: &str) -> Vec<u8> {
    keyed(token, purpose, row, code).finalize().into_bytes().to_vec()
}

/// Whether `code` is the one `stored` was made from, compared in constant time.
pub fn matches(token: &str, purpose: &str, row: i64, code: &str, stored: &[u8]) -> bool {
    keyed(token, purpose, row, code).verify_slice(stored).is_ok()
}

/// How many seconds a link must wait before another code is mailed, given when its codes of the
/// last day were sent (oldest first): one per `resend_secs`, `per_day` a day. `None`: now.
pub fn wait_before_next(sent: &[i64], now: i64, resend_secs: i64, per_day: i64) -> Option<i64> {
    let wait = match sent.last() {
        Some(last) if now - last < resend_secs => last + resend_secs - now,
        _ if sent.len() as i64 >= per_day => sent[sent.len() - per_day as usize] + 86_400 - now,
        _ => return None,
    };
    Some(wait.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_only_its_own_link_and_purpose() {
        let code = new_code();
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
        let kept = stored("token-a", "message-code", 7, &code);
        assert!(matches("token-a", "message-code", 7, &code, &kept));
        let other = if code == "000000" { "000001" } else { "000000" };
        assert!(!matches("token-a", "message-code", 7, other, &kept));
        assert!(!matches("token-b", "message-code", 7, &code, &kept));
        assert!(!matches("token-a", "message-code", 8, &code, &kept));
        assert!(!matches("token-a", "consent-withdrawal", 7, &code, &kept));
    }

    #[test]
    fn codes_are_mailed_at_most_once_a_minute_and_five_times_a_day() {
        let now = 100_000;
        assert_eq!(wait_before_next(&[], now, 60, 5), None);
        assert_eq!(wait_before_next(&[now - 20], now, 60, 5), Some(40));
        assert_eq!(wait_before_next(&[now - 60], now, 60, 5), None);
        let five = [now - 50_000, now - 40_000, now - 30_000, now - 20_000, now - 10_000];
        assert_eq!(wait_before_next(&five, now, 60, 5), Some(86_400 - 50_000));
        assert_eq!(wait_before_next(&five[1..], now, 60, 5), None);
    }
}
