//! The public booking endpoints (anyone with the practice's booking address), and the
//! practitioner's own booking address.

use leptos::prelude::*;

use super::types::BookingOffer;
use crate::error::AppError;

#[server(endpoint = "booking/page")]
pub async fn booking_page(slug: String) -> Result<BookingOffer, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::page(&request.state, &slug).await
}

#[server(endpoint = "booking/times")]
pub async fn free_times(slug: String, service_id: String, date: String) -> Result<Vec<String>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::free_times(&request.state, &slug, &service_id, &date).await
}

#[server(endpoint = "booking/book")]
#[allow(clippy::too_many_arguments)]
pub async fn book(
    slug: String,
    service_id: String,
    date: String,
    time: String,
    name: String,
    email: String,
    phone: String,
) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let origin = request.origin();
    let input = super::service::BookingInput {
        service_id: &service_id,
        date: &date,
        time: &time,
        name: &name,
        email: &email,
        phone: &phone,
    };
    let (date, time) = super::service::book(&request.state, &slug, input, &origin, request.lang).await?;
    leptos_axum::redirect(&format!("/book/{slug}/booked?date={date}&time={time}"));
    Ok(())
}

/// The caller's public booking address.
#[server(endpoint = "booking/address")]
pub async fn booking_address() -> Result<String, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::booking_address(&request.state, request.user()?).await
}
