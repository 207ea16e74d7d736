//! Text that must never be printed: a password, a code or a link token as it arrives in a server
//! function's arguments. The `#[server]` macro derives `Debug` for its argument struct, so a
//! plain `String` there would show up in any `{:?}` of the call; this type prints
//! `SecretText(..)` instead. Serde passes the text through unchanged (the browser must send it),
//! and `expose` is the one way to read it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<String> for SecretText {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_text_and_serde_passes_it_through() {
        let secret = SecretText::from("hunter2 hunter2".to_string());
        assert_eq!(format!("{secret:?}"), "SecretText(..)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(SecretText(..))");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2 hunter2\"");
        let back: SecretText = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.expose(), "abc");
    }

    #[test]
    fn server_function_arguments_print_without_their_secrets() {
        let secret = || SecretText::from("hunter2-swordfish".to_string());
        let printed = [
            format!("{:?}", crate::auth::api::LogIn { email: "kari@example.no".into(), password: secret() }),
            format!("{:?}", crate::auth::api::ResetPassword { token: secret(), new_password: secret() }),
            format!("{:?}", crate::auth::api::VerifyEmail { token: secret() }),
            format!("{:?}", crate::auth::api::LogInCode { code: secret() }),
            format!("{:?}", crate::two_factor::api::DisableTwoFactor { password: secret(), code: secret() }),
            format!(
                "{:?}",
                crate::security::api::ChangePassword { current_password: secret(), new_password: secret() }
            ),
            format!("{:?}", crate::auth::api::ConfirmPassword { password: secret() }),
            format!(
                "{:?}",
                crate::consent::api::SignConsent { token: secret(), agree: None, name: "Ola".into(), signature: None }
            ),
            format!("{:?}", crate::consent::api::WithdrawConsent { token: secret(), code: Some(secret()) }),
        ];
        for line in printed {
            assert!(!line.contains("hunter2") && line.contains("SecretText(..)"), "{line}");
        }
    }
}
