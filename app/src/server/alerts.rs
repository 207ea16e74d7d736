//! Security-relevant failures as structured `tracing` events an operator can alert on: target
//! `trygg::security`, a stable `event` name, the account's id when known and the client's
//! network. Never a secret, never what was typed (an unknown email is not logged either).

use std::net::IpAddr;

use super::network::network_of;
use crate::ids::UserId;

const TARGET: &str = "trygg::security";

pub fn sign_in_failed(user_id: Option<UserId>, ip: IpAddr) {
    tracing::warn!(target: TARGET, event = "sign_in_failed", user_id = user_id.map(|id| id.0), network = %network_of(ip));
}

pub fn wrong_code(user_id: UserId, ip: IpAddr) {
    tracing::warn!(target: TARGET, event = "wrong_code", user_id = %user_id, network = %network_of(ip));
}

pub fn code_step_locked(user_id: UserId, ip: IpAddr) {
    tracing::error!(target: TARGET, event = "code_step_locked", user_id = %user_id, network = %network_of(ip));
}

/// A throttle refused a request (`what`: sign-in, code, sign-up, ...).
pub fn rate_limited(what: &str, ip: IpAddr) {
    tracing::warn!(target: TARGET, event = "rate_limited", what, network = %network_of(ip));
}

/// A state-changing request from another origin was refused.
pub fn cross_origin_refused(path: &str, ip: IpAddr) {
    tracing::warn!(target: TARGET, event = "cross_origin_refused", path, network = %network_of(ip));
}
