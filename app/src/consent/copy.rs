//! `GET /clients/{client}/consent/{id}/copy.pdf`: the signed copy with its trail, for the
//! practitioner of the client's practice only.

use axum::Extension;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::server::http::Caller;
use crate::server::request::lang_of_request;
use crate::server::sessions::Role;
use crate::server::state::AppState;

pub fn path(client_id: i64, id: i64) -> String {
    format!("/clients/{client_id}/consent/{id}/copy.pdf")
}

pub async fn download(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    Path((client_id, id)): Path<(i64, i64)>,
    request: Request,
) -> Response {
    let user = match caller {
        Ok(user) if user.role == Role::Practitioner => user,
        Ok(_) => return StatusCode::FORBIDDEN.into_response(),
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let (parts, _) = request.into_parts();
    match super::service::signed_copy(&state, &user, client_id, id, lang_of_request(&parts)).await {
        Ok(pdf) => {
            let mut response = pdf.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"consent-{id}.pdf\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
