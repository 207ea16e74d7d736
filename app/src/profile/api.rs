//! Profile endpoints: the signed-in practitioner's own account and practice only.

use leptos::prelude::*;

use super::types::{PracticeDetails, Profile};
use crate::error::AppError;

#[server(endpoint = "profile/get")]
pub async fn get_profile() -> Result<Profile, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let practice = super::store::practice(&request.state.db, user.practice_id).await?;
    let agreement_ready = request.state.config.operator.missing().is_empty();
    Ok(Profile { name: user.name.clone(), email: user.email.clone(), practice, agreement_ready })
}

#[server(endpoint = "profile/practice")]
pub async fn update_practice(name: String, address: String, org_number: String) -> Result<PracticeDetails, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let details = PracticeDetails::parse(&name, &address, &org_number)?;
    super::store::update_practice(&request.state.db, user.practice_id, &details).await?;
    Ok(details)
}
