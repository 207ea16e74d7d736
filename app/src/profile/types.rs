//! The practice's details (the controller in its data processing agreement), and the checked input.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldChecks, Problem};
use crate::fields::text;

const NAME_MAX: usize = 200;
const ADDRESS_MAX: usize = 300;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeDetails {
    pub name: String,
    pub address: String,
    /// Nine digits, or empty.
    pub org_number: String,
}

/// What Settings → Your profile shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    /// A new sign-in address waiting for its confirmation link to be opened.
    pub pending_email: Option<String>,
    /// Whether two-factor sign-in is on (a change of address then needs a code too).
    pub two_factor: bool,
    pub practice: PracticeDetails,
    /// Whether the operator has configured everything the data processing agreement names.
    pub agreement_ready: bool,
}

impl PracticeDetails {
    /// Every problem is reported on its field, all at once. Only the name is required.
    pub fn parse(name: &str, address: &str, org_number: &str) -> Result<Self, AppError> {
        let mut checks = FieldChecks::default();
        let mut check = |field: &str, result: Result<String, Problem>| checks.check(field, result);
        let details = Self {
            name: check(
                "name",
                text(name, NAME_MAX)
                    .map(|n| n.replace('\n', " "))
                    .and_then(|n| if n.is_empty() { Err(Problem::Required) } else { Ok(n) }),
            ),
            address: check("address", text(address, ADDRESS_MAX)),
            org_number: check("org_number", org_number_of(org_number)),
        };
        checks.finish(details)
    }
}

/// A Norwegian organisation number: nine digits (spaces allowed when typed) whose last digit is
/// the modulus-11 check digit of the first eight. Empty is allowed.
pub fn org_number_of(input: &str) -> Result<String, Problem> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(compact);
    }
    let digits: Vec<u32> =
        compact.chars().map(|c| c.to_digit(10)).collect::<Option<_>>().ok_or(Problem::InvalidOrgNumber)?;
    if digits.len() != 9 {
        return Err(Problem::InvalidOrgNumber);
    }
    let sum: u32 = digits.iter().zip([3, 2, 7, 6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return Err(Problem::InvalidOrgNumber),
        c => c,
    };
    if check == digits[8] { Ok(compact) } else { Err(Problem::InvalidOrgNumber) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_organisation_numbers_pass_their_check_digit() {
        assert_eq!(org_number_of("923 609 016"), Ok("923609016".into()));
        assert_eq!(org_number_of("974760673"), Ok("974760673".into()));
        assert_eq!(org_number_of(""), Ok(String::new()));
    }

    #[test]
    fn wrong_check_digits_lengths_and_letters_are_refused() {
        assert_eq!(org_number_of("923609017"), Err(Problem::InvalidOrgNumber));
        assert_eq!(org_number_of("92360901"), Err(Problem::InvalidOrgNumber));
        assert_eq!(org_number_of("9236090166"), Err(Problem::InvalidOrgNumber));
        assert_eq!(org_number_of("92360901a"), Err(Problem::InvalidOrgNumber));
    }

    #[test]
    fn details_report_each_field() {
        let error = PracticeDetails::parse("  ", &"x".repeat(301), "123").unwrap_err();
        assert_eq!(error.for_field("name"), Some(Problem::Required));
        assert_eq!(error.for_field("address"), Some(Problem::TooLong { max: 300 }));
        assert_eq!(error.for_field("org_number"), Some(Problem::InvalidOrgNumber));
        let ok = PracticeDetails::parse(" Klinikk Fjord ", "Storgata 1\n0155 Oslo", "923609016").unwrap();
        assert_eq!(ok.name, "Klinikk Fjord");
        assert_eq!(ok.address, "Storgata 1\n0155 Oslo");
    }
}
