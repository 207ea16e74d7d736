//! Services and opening hours: each endpoint acts on the caller's own practice only.

use std::collections::HashMap;

use leptos::prelude::*;

use super::types::{DayHours, Service};
use crate::error::AppError;

#[server(endpoint = "services/list")]
pub async fn list_services() -> Result<Vec<Service>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    Ok(super::store::services(&request.state.db, request.user()?.practice_id).await?)
}

#[server(endpoint = "services/create")]
pub async fn create_service(
    name: String,
    duration: String,
    price: String,
    #[server(default)] colour: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let input = super::types::ServiceInput::parse(&name, &duration, &price, &colour)?;
    super::store::create_service(&request.state.db, user.practice_id, &input, request.state.clock.now()).await?;
    Ok(())
}

#[server(endpoint = "services/delete")]
pub async fn delete_service(id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    if super::store::delete_service(&request.state.db, user.practice_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[server(endpoint = "hours/get")]
pub async fn opening_hours() -> Result<Vec<DayHours>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    Ok(super::store::opening_hours(&request.state.db, request.user()?.practice_id).await?)
}

/// The whole week at once, from fields named `hours[d{day}_open]`, `hours[d{day}_from]`, `hours[d{day}_to]`.
#[server(endpoint = "hours/set")]
pub async fn set_opening_hours(#[server(default)] hours: HashMap<String, String>) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let week = super::types::parse_week(&hours)?;
    super::store::set_opening_hours(&request.state.db, user.practice_id, &week).await?;
    Ok(())
}
