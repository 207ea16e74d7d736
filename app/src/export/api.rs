//! Practice export endpoints: the signed-in practitioner's own practice only.

use leptos::prelude::*;

use super::types::ExportStatus;
use crate::error::AppError;
use crate::secret::SecretText;

#[server(endpoint = "export/practice")]
pub async fn get_practice_export() -> Result<Option<ExportStatus>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    super::service::practice_export_status(&request.state, user).await
}

/// Starts building the practice's archive; needs the password again.
#[server(endpoint = "export/practice/start")]
pub async fn start_practice_export(password: SecretText) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let password = PlainPassword::new(password.into_inner());
    super::service::start_practice_export(&request.state, user, password, request.lang).await
}
