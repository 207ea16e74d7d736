//! Validated inputs for accounts: parse, don't validate.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError, Problem};
use crate::fields::{DisplayName, Email};

/// The shortest password for an account without two-factor sign-in, and with it (NIST SP 800-63B-4).
pub const PASSWORD_MIN: usize = 15;
pub const PASSWORD_MIN_WITH_TWO_FACTOR: usize = 8;
pub const PASSWORD_MAX: usize = 128;
/// A new password: length counted in Unicode code points, no composition rules (NIST SP 800-63B),
/// not built on what an attacker already knows (the email address or its name part, the practice's
/// name), and not on the list of common and breached passwords.
pub fn check_new_password(password: &str, email: &str, practice_name: &str, two_factor: bool) -> Result<(), Problem> {
    let length = password.chars().count();
    let min = if two_factor { PASSWORD_MIN_WITH_TWO_FACTOR } else { PASSWORD_MIN };
    if length == 0 {
        return Err(Problem::Required);
    } else if length < min {
        return Err(Problem::PasswordTooShort { min });
    } else if length > PASSWORD_MAX {
        return Err(Problem::PasswordTooLong { max: PASSWORD_MAX });
    }
    let lowered = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default().to_string();
    let practice = practice_name.trim().to_lowercase();
    // Short fragments ("a@b.no", "AS") would reject innocent passwords, so only telling ones count.
    let known = [email, local_part, practice];
    if known.iter().any(|part| part.chars().count() >= 4 && lowered.contains(part.as_str())) {
        return Err(Problem::PasswordContainsAccountDetails);
    }
    // The list lives on the server only: it would add 1.7 MB to the browser's download.
    #[cfg(feature = "ssr")]
    if crate::server::common_passwords::is_common(password) {
        return Err(Problem::PasswordTooCommon);
    }
    Ok(())
}

/// A rough strength for the meter while typing, 0 (too short) to 4 (very strong): the bits a
/// guesser faces if it knew which kinds of characters are used, less for repeats. The server's
/// rules decide; this only guides.
pub fn password_strength(password: &str) -> u8 {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < PASSWORD_MIN {
        return 0;
    }
    let mut pool = 0.0_f64;
    if chars.iter().any(|c| c.is_ascii_lowercase()) {
        pool += 26.0;
    }
    if chars.iter().any(|c| c.is_ascii_uppercase()) {
        pool += 26.0;
    }
    if chars.iter().any(|c| c.is_ascii_digit()) {
        pool += 10.0;
    }
    if chars.iter().any(|c| c.is_ascii_punctuation() || *c == ' ') {
        pool += 33.0;
    }
    if chars.iter().any(|c| !c.is_ascii()) {
        pool += 100.0;
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let effective_length = chars.len().min(distinct.len() * 3) as f64;
    let bits = effective_length * pool.max(2.0).log2();
    match bits {
        b if b < 60.0 => 1,
        b if b < 80.0 => 2,
        b if b < 100.0 => 3,
        _ => 4,
    }
}

pub struct SignUpInput {
    pub practice_name: DisplayName,
    pub name: DisplayName,
    pub email: Email,
}

impl SignUpInput {
    /// Every field is checked, so the form can show all its problems at once.
    pub fn parse(practice_name_input: &str, name: &str, email_input: &str, password: &str) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut note = |field: &str, problem: Problem| errors.push(FieldError { field: field.into(), problem });
        let practice_name = DisplayName::parse(practice_name_input).map_err(|p| note("practice_name", p)).ok();
        let name = DisplayName::parse(name).map_err(|p| note("name", p)).ok();
        let email = Email::parse(email_input).map_err(|p| note("email", p)).ok();
        let password_ok = check_new_password(password, email_input, practice_name_input, false)
            .map_err(|p| note("password", p))
            .is_ok();
        match (practice_name, name, email, password_ok) {
            (Some(practice_name), Some(name), Some(email), true) => Ok(Self { practice_name, name, email }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// What the signed-in shell shows about the caller. Nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub practice_name: String,
    /// The account's automatic-logout limit, for the browser's inactivity timer.
    pub idle_timeout_secs: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    /// Attachments by name and size, one per line.
    pub attachments: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_new_password_alone(password: &str) -> Result<(), Problem> {
        check_new_password(password, "kari@example.no", "Klinikk Nord", false)
    }

    #[test]
    fn passwords_count_code_points_without_composition_rules() {
        assert_eq!(check_new_password_alone(""), Err(Problem::Required));
        assert_eq!(check_new_password_alone("kqzmvbtrwplxhg"), Err(Problem::PasswordTooShort { min: 15 }));
        assert_eq!(check_new_password_alone("kqzmvbtrwplxhgn"), Ok(()));
        // 15 code points that are 30 bytes in UTF-8.
        assert_eq!(check_new_password_alone(&"ø".repeat(15)), Ok(()));
        assert_eq!(check_new_password_alone(&"ø".repeat(14)), Err(Problem::PasswordTooShort { min: 15 }));
        assert_eq!(check_new_password_alone(&"x".repeat(128)), Ok(()));
        assert_eq!(check_new_password_alone(&"x".repeat(129)), Err(Problem::PasswordTooLong { max: 128 }));
    }

    #[test]
    fn two_factor_accounts_may_use_shorter_passwords() {
        let with_two_factor = |p: &str| check_new_password(p, "kari@example.no", "Klinikk Nord", true);
        assert_eq!(with_two_factor("kqzmvbt"), Err(Problem::PasswordTooShort { min: 8 }));
        assert_eq!(with_two_factor("kqzmvbtr"), Ok(()));
        assert_eq!(with_two_factor("iloveyou"), Err(Problem::PasswordTooCommon), "the list still applies");
        assert_eq!(check_new_password_alone("kqzmvbtr"), Err(Problem::PasswordTooShort { min: 15 }));
    }

    #[test]
    fn common_passwords_are_refused() {
        assert_eq!(check_new_password_alone(&"a".repeat(15)), Err(Problem::PasswordTooCommon));
        assert_eq!(check_new_password_alone("000webhost4ever"), Err(Problem::PasswordTooCommon));
        assert_eq!(check_new_password_alone("000WEBHOST4EVER"), Err(Problem::PasswordTooCommon));
    }

    #[test]
    fn passwords_may_not_contain_the_email_or_practice_name() {
        let contains = Err(Problem::PasswordContainsAccountDetails);
        assert_eq!(check_new_password_alone("my kari@example.no password"), contains);
        assert_eq!(check_new_password_alone("KARIKARIKARIKARI2024"), contains);
        assert_eq!(check_new_password_alone("welcome to klinikk nord!"), contains);
        assert_eq!(check_new_password_alone("a calm river under nine bridges"), Ok(()));
        // A two-letter name part is too short to tell anything.
        assert_eq!(check_new_password("bo bo bo bo bo bo bo", "bo@example.no", "AS", false), Ok(()));
    }

    #[test]
    fn strength_grows_with_length_and_variety() {
        assert_eq!(password_strength("short"), 0);
        assert_eq!(password_strength("aaaaaaaaaaaaaaaa"), 1, "repeats count for little");
        assert!(password_strength("correct horse battery staple") >= 3);
        assert!(password_strength("a calm river under nine bridges") > password_strength("abcdefghijklmnop"));
        assert_eq!(password_strength(&"Zq9!xP2#vL7@mN4$".repeat(2)), 4);
    }

    #[test]
    fn sign_up_reports_every_bad_field() {
        let Err(AppError::Validation(errors)) = SignUpInput::parse("", "Kari", "nope", "short") else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["practice_name", "email", "password"]);
        assert!(SignUpInput::parse("Klinikk", "Kari", "kari@example.no", "a long enough passphrase").is_ok());
    }
}
