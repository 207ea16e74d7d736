//! What the two-factor screens show. Shared by server and browser; nothing secret but the
//! set-up key, which is shown once, to its owner.

use serde::{Deserialize, Serialize};

/// The Security page's two-factor part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub enabled_secs_ago: Option<i64>,
    pub recovery_codes_left: i64,
    /// Whether the password was entered recently enough to change two-factor settings.
    pub fresh: bool,
}

/// Step 2 of the wizard: the QR code and the same key to type by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupView {
    /// A PNG, base64-encoded, for a `data:` image.
    pub qr_png_base64: String,
    /// The key in groups of four characters.
    pub key: String,
    /// The account name the authenticator app will show.
    pub account: String,
}

/// The authenticator apps the wizard names (any TOTP app works).
pub const AUTHENTICATOR_APPS: [&str; 4] = ["Google Authenticator", "Microsoft Authenticator", "Aegis", "1Password"];
