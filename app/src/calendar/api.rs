//! Calendar endpoints. Each acts within the caller's practice only: an appointment, client or
//! service of another practice answers like one that does not exist.

use leptos::prelude::*;

use super::types::{AppointmentDetail, AppointmentOverview, WeekView};
use crate::error::AppError;

/// The days `view` shows around `date` (see [`super::types::CalendarMode`]).
#[server(endpoint = "calendar/week")]
pub async fn calendar_week(date: String, #[server(default)] view: String) -> Result<WeekView, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let hidden = request.cookie(super::privacy::PRIVACY_COOKIE).as_deref() == Some("1");
    super::service::week(&request.state, request.user()?, &date, super::types::CalendarMode::parse(&view), hidden).await
}

/// Whether this browser has client data hidden (its cookie): the appointment form then lists no
/// names until the practitioner types.
#[server(endpoint = "calendar/privacy_state")]
pub async fn client_data_hidden() -> Result<bool, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    request.user()?;
    Ok(request.cookie(super::privacy::PRIVACY_COOKIE).as_deref() == Some("1"))
}

/// An appointment as its summary page shows it (client, service, time, notes, consent).
#[server(endpoint = "appointments/summary")]
pub async fn appointment_summary(id: i64) -> Result<AppointmentOverview, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::summary(&request.state, request.user()?, id).await
}

#[server(endpoint = "appointments/create")]
pub async fn create_appointment(
    #[server(default)] client_id: String,
    #[server(default)] client_name: String,
    service_id: String,
    date: String,
    time: String,
    notes: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let input = super::service::AppointmentInput {
        client_id: &client_id,
        client_name: &client_name,
        service_id: &service_id,
        date: &date,
        time: &time,
        notes: &notes,
    };
    super::service::create(&request.state, request.user()?, input).await?;
    leptos_axum::redirect(&format!("/calendar?date={}", date.trim()));
    Ok(())
}

#[server(endpoint = "appointments/get")]
pub async fn get_appointment(id: i64) -> Result<AppointmentDetail, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::detail(&request.state, request.user()?, id).await
}

/// Edits an appointment: another client or service, notes, or a new date and time (a move).
#[server(endpoint = "appointments/update")]
pub async fn update_appointment(
    id: i64,
    #[server(default)] client_id: String,
    #[server(default)] client_name: String,
    service_id: String,
    date: String,
    time: String,
    notes: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let input = super::service::AppointmentInput {
        client_id: &client_id,
        client_name: &client_name,
        service_id: &service_id,
        date: &date,
        time: &time,
        notes: &notes,
    };
    super::service::update(&request.state, request.user()?, id, input).await?;
    leptos_axum::redirect(&format!("/calendar?date={}", date.trim()));
    Ok(())
}

#[server(endpoint = "appointments/cancel")]
pub async fn cancel_appointment(id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let date = super::service::cancel(&request.state, request.user()?, id).await?;
    leptos_axum::redirect(&format!("/calendar?date={date}&cancelled={id}"));
    Ok(())
}

/// Undoes a cancellation of the last minute, if the time is still free.
#[server(endpoint = "appointments/undo_cancel")]
pub async fn undo_cancel(id: i64) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let date = super::service::undo_cancel(&request.state, request.user()?, id).await?;
    leptos_axum::redirect(&format!("/calendar?date={date}"));
    Ok(())
}

/// Idle minutes after which the calendar hides client data by itself (0 = never).
#[server(endpoint = "calendar/hide_after_idle")]
pub async fn set_hide_after_idle(minutes: String) -> Result<(), AppError> {
    use crate::error::Problem;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let minutes: i64 = minutes
        .trim()
        .parse()
        .ok()
        .filter(|m| super::types::HIDE_IDLE_CHOICES.contains(m))
        .ok_or_else(|| AppError::field("minutes", Problem::NotAllowedValue))?;
    crate::auth::store::set_hide_after_idle(&request.state.db, user.user_id, minutes).await?;
    Ok(())
}

/// Remembers "hide client data" on this device, for browsers without JavaScript (with it, the
/// page sets the same cookie itself).
#[server(endpoint = "calendar/privacy")]
pub async fn set_privacy(hidden: String) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    request.user()?;
    let cookie = super::privacy::privacy_cookie(hidden == "1");
    crate::server::request::set_response_header(http::header::SET_COOKIE, &cookie);
    Ok(())
}
