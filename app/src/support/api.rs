//! Support endpoints: every one is for support staff only, and none reads a practice's clients,
//! journals or messages. Plus the requester's status link, which shows only its own request.

use leptos::prelude::*;

use super::types::{AuditView, RequestDetail, RequestStatusView, RequestSummary};
use crate::error::AppError;
use crate::secret::SecretText;

#[server(endpoint = "support/queue")]
pub async fn support_queue() -> Result<Vec<RequestSummary>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    request.staff()?;
    super::service::queue(&request.state).await
}

/// One request with its evidence links. Opening it is audited.
#[server(endpoint = "support/request")]
pub async fn support_request(id: i64) -> Result<RequestDetail, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::detail(&request.state, request.staff()?, id).await
}

/// Approves (turns the owner's two-factor off; needs every piece of evidence opened and the
/// support person's password and code) or rejects (with a reason) a pending request.
#[server(endpoint = "support/decide")]
pub async fn decide_request(
    id: i64,
    decision: String,
    reason: String,
    #[server(default)] password: SecretText,
    #[server(default)] code: SecretText,
) -> Result<(), AppError> {
    use crate::error::Problem;
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let staff = request.staff()?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::field("decision", Problem::NotAllowedValue)),
    };
    let origin = request.origin();
    let input = super::service::DecisionInput {
        approve,
        reason: &reason,
        password: PlainPassword::new(password.into_inner()),
        code: code.expose(),
    };
    super::service::decide(&request.state, staff, id, input, &origin, request.ip, request.lang).await?;
    leptos_axum::redirect(&format!("/support/requests/{id}"));
    Ok(())
}

#[server(endpoint = "support/audit")]
pub async fn support_audit() -> Result<Vec<AuditView>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    request.staff()?;
    super::service::audit_log(&request.state).await
}

/// The requester's view of their lost-2FA request, through the link they were given.
#[server(endpoint = "lost_2fa/status")]
pub async fn lost_2fa_status(token: SecretText) -> Result<RequestStatusView, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::status(&request.state, token.expose()).await
}
