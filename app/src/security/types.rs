//! What the Security page shows: sessions and security events. Shared by server and browser.

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::i18n::Texts;

/// A device as the User-Agent describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub kind: DeviceKind,
    /// e.g. "Chrome", or empty when unknown.
    pub browser: String,
    /// e.g. "Android", or empty when unknown.
    pub os: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    Computer,
    Phone,
    Other,
}

impl Device {
    /// "Chrome on Linux", "Firefox", or the unknown-device text.
    pub fn describe(&self, t: &Texts) -> String {
        match (self.browser.is_empty(), self.os.is_empty()) {
            (false, false) => t.device_browser_on_os.replace("{browser}", &self.browser).replace("{os}", &self.os),
            (false, true) => self.browser.clone(),
            (true, false) => self.os.clone(),
            (true, true) => t.device_unknown.to_string(),
        }
    }

    pub fn kind_label(&self, t: &Texts) -> &'static str {
        match self.kind {
            DeviceKind::Computer => t.device_computer,
            DeviceKind::Phone => t.device_phone,
            DeviceKind::Other => t.device_other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub device: Device,
    pub ip: String,
    pub signed_in_secs_ago: i64,
    pub active_secs_ago: i64,
    pub this_device: bool,
}

/// Kinds of security events, stored by their code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    SignIn,
    SignInFailed,
    SignOut,
    SessionRevoked,
    NotMe,
    LogoutSettingChanged,
    PasswordChanged,
    PasswordReset,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    WrongCode,
    LostTwoFactorRequested,
    LostTwoFactorEvidenceViewed,
    LostTwoFactorApproved,
    LostTwoFactorRejected,
    CodeStepLocked,
    EmailChangeRequested,
    EmailChanged,
    EmailChangeReverted,
    /// The account was handed to a new owner: its log starts here for them.
    OwnershipTransferred,
}

impl EventKind {
    pub const ALL: [Self; 22] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::SessionRevoked,
        Self::NotMe,
        Self::LogoutSettingChanged,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::TwoFactorEnabled,
        Self::TwoFactorDisabled,
        Self::RecoveryCodesRenewed,
        Self::RecoveryCodeUsed,
        Self::WrongCode,
        Self::LostTwoFactorRequested,
        Self::LostTwoFactorEvidenceViewed,
        Self::LostTwoFactorApproved,
        Self::LostTwoFactorRejected,
        Self::CodeStepLocked,
        Self::EmailChangeRequested,
        Self::EmailChanged,
        Self::EmailChangeReverted,
        Self::OwnershipTransferred,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::SessionRevoked => "session_revoked",
            Self::NotMe => "not_me",
            Self::LogoutSettingChanged => "logout_setting_changed",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::TwoFactorEnabled => "two_factor_enabled",
            Self::TwoFactorDisabled => "two_factor_disabled",
            Self::RecoveryCodesRenewed => "recovery_codes_renewed",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::WrongCode => "wrong_code",
            Self::LostTwoFactorRequested => "lost_2fa_requested",
            Self::LostTwoFactorEvidenceViewed => "lost_2fa_evidence_viewed",
            Self::LostTwoFactorApproved => "lost_2fa_approved",
            Self::LostTwoFactorRejected => "lost_2fa_rejected",
            Self::CodeStepLocked => "code_step_locked",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChanged => "email_changed",
            Self::EmailChangeReverted => "email_change_reverted",
            Self::OwnershipTransferred => "ownership_transferred",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Self::SignIn => t.event_sign_in,
            Self::SignInFailed => t.event_sign_in_failed,
            Self::SignOut => t.event_sign_out,
            Self::SessionRevoked => t.event_session_revoked,
            Self::NotMe => t.event_not_me,
            Self::LogoutSettingChanged => t.event_logout_setting_changed,
            Self::PasswordChanged => t.event_password_changed,
            Self::PasswordReset => t.event_password_reset,
            Self::TwoFactorEnabled => t.event_two_factor_enabled,
            Self::TwoFactorDisabled => t.event_two_factor_disabled,
            Self::RecoveryCodesRenewed => t.event_recovery_codes_renewed,
            Self::RecoveryCodeUsed => t.event_recovery_code_used,
            Self::WrongCode => t.event_wrong_code,
            Self::LostTwoFactorRequested => t.event_lost_2fa_requested,
            Self::LostTwoFactorEvidenceViewed => t.event_lost_2fa_evidence_viewed,
            Self::LostTwoFactorApproved => t.event_lost_2fa_approved,
            Self::LostTwoFactorRejected => t.event_lost_2fa_rejected,
            Self::CodeStepLocked => t.event_code_step_locked,
            Self::EmailChangeRequested => t.event_email_change_requested,
            Self::EmailChanged => t.event_email_changed,
            Self::EmailChangeReverted => t.event_email_change_reverted,
            Self::OwnershipTransferred => t.event_ownership_transferred,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub kind: EventKind,
    pub secs_ago: i64,
    /// When, as local `YYYY-MM-DD HH:MM` in the practice's time zone.
    pub at: String,
    pub ip: String,
    pub device: Device,
    /// Who caused it, when not the owner (the support person who decided a request).
    pub by: String,
}

/// The idle times an owner can choose for automatic logout, in minutes; 24 hours is the default.
pub const IDLE_CHOICES_MINUTES: [i64; 7] = [15, 30, 60, 120, 240, 480, 1440];

/// How long a password confirmation lets sensitive settings be changed.
pub const FRESH_SIGN_IN_SECS: i64 = 10 * 60;

/// The account's security settings as the page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecuritySettings {
    pub idle_timeout_minutes: i64,
    /// Whether the password was entered recently enough for sensitive changes.
    pub fresh: bool,
}

/// One of [`IDLE_CHOICES_MINUTES`], as the form sends it.
pub fn parse_idle_minutes(input: &str) -> Result<i64, Problem> {
    input.trim().parse().ok().filter(|m| IDLE_CHOICES_MINUTES.contains(m)).ok_or(Problem::NotAllowedValue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NB};

    #[test]
    fn idle_choices_are_labelled() {
        let labels: Vec<String> = IDLE_CHOICES_MINUTES.iter().map(|m| crate::times::duration_label(*m, &EN)).collect();
        assert_eq!(labels, ["15 minutes", "30 minutes", "1 hour", "2 hours", "4 hours", "8 hours", "24 hours"]);
        assert_eq!(crate::times::duration_label(1440, &NB), "24 timer");
    }

    #[test]
    fn only_the_offered_idle_times_are_taken() {
        assert_eq!(parse_idle_minutes(" 30 "), Ok(30));
        for bad in ["", "31", "-15", "0", "1e3", "thirty", "99999999999999999999"] {
            assert_eq!(parse_idle_minutes(bad), Err(Problem::NotAllowedValue), "{bad:?}");
        }
    }

    #[test]
    fn event_codes_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(EventKind::from_code("nonsense"), None);
    }

    #[test]
    fn devices_describe_themselves() {
        let device = Device { kind: DeviceKind::Phone, browser: "Chrome".into(), os: "Android".into() };
        assert_eq!(device.describe(&EN), "Chrome on Android");
        assert_eq!(device.kind_label(&NB), "Mobil");
        let unknown = Device { kind: DeviceKind::Other, browser: String::new(), os: String::new() };
        assert_eq!(unknown.describe(&EN), "Unknown device");
    }
}
