//! IP address request endpoints. The practitioner's act within their own practice only (another
//! practice's booking or request answers as not found); support's are for support staff only.
//! None returns a booking's address except `release_ip_address`, for an approved request.

use leptos::prelude::*;

use super::types::{BookingToRequest, IpRequestView, OnlineBooking, ReleasedAddress, SupportIpDetail, SupportIpLine};
use crate::error::AppError;
use crate::ids::{ClientId, IpRequestId};
use crate::secret::SecretText;

#[server(endpoint = "ip_requests/booking")]
pub async fn get_booking_to_request(appointment_id: i64) -> Result<BookingToRequest, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::booking_to_request(&request.state, request.user()?, appointment_id).await
}

#[server(endpoint = "ip_requests/of_client")]
pub async fn get_online_bookings(client_id: ClientId) -> Result<Vec<OnlineBooking>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::online_bookings(&request.state, request.user()?, client_id).await
}

#[server(endpoint = "ip_requests/create")]
pub async fn request_ip_address(appointment_id: i64, client_reference: String, reason: String) -> Result<(), AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let text = super::types::RequestText::parse(&client_reference, &reason)?;
    let id = super::service::request(&request.state, user, appointment_id, text, request.lang).await?;
    leptos_axum::redirect(&format!("/ip-requests/{id}"));
    Ok(())
}

#[server(endpoint = "ip_requests/list")]
pub async fn list_ip_requests() -> Result<Vec<IpRequestView>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::list(&request.state, request.user()?).await
}

#[server(endpoint = "ip_requests/get")]
pub async fn get_ip_request(id: IpRequestId) -> Result<IpRequestView, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::view(&request.state, request.user()?, id).await
}

/// The release step: an approved request's address, once, after the password.
#[server(endpoint = "ip_requests/release")]
pub async fn release_ip_address(id: IpRequestId, password: SecretText) -> Result<ReleasedAddress, AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let user = request.user()?;
    let password = PlainPassword::new(password.into_inner());
    super::service::release(&request.state, user, id, password, request.lang).await
}

#[server(endpoint = "support/ip_queue")]
pub async fn support_ip_queue() -> Result<Vec<SupportIpLine>, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    request.staff()?;
    super::service::queue(&request.state).await
}

/// One request for support; opening it is audited and puts a sent request under review.
#[server(endpoint = "support/ip_request")]
pub async fn support_ip_request(id: IpRequestId) -> Result<SupportIpDetail, AppError> {
    let request = crate::server::request::RequestInfo::current().await?;
    super::service::support_detail(&request.state, request.staff()?, id).await
}

/// Support records the decision made with the data protection authority.
#[server(endpoint = "support/ip_decide")]
pub async fn decide_ip_request(
    id: IpRequestId,
    decision: String,
    case_reference: String,
    case_date: String,
    note: String,
    #[server(default)] password: SecretText,
    #[server(default)] code: SecretText,
) -> Result<(), AppError> {
    use crate::server::password::PlainPassword;
    let request = crate::server::request::RequestInfo::current().await?;
    let staff = request.staff()?;
    let form = super::service::DecisionForm {
        decision: &decision,
        case_reference: &case_reference,
        case_date: &case_date,
        note: &note,
        password: PlainPassword::new(password.into_inner()),
        code: code.expose(),
    };
    super::service::decide(&request.state, staff, id, form, &request.origin(), request.lang).await?;
    leptos_axum::redirect(&format!("/support/ip-requests/{id}"));
    Ok(())
}
