//! The signed copy with its trail as a PDF: `GET /clients/{client}/consent/{id}/copy.pdf` for the
//! practitioner of the client's practice only, and `GET /consent/copy.pdf?token=…` for the client,
//! through their link.

use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Lang;
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
    let copy = super::service::signed_copy(&state, &user, client_id, id, lang_of_request(&parts)).await;
    answer(copy, &format!("consent-{id}.pdf"))
}

#[derive(serde::Deserialize)]
pub struct Link {
    #[serde(default)]
    token: String,
    /// The language the client chose on the link's page, when they chose one.
    #[serde(default)]
    lang: Option<String>,
}

pub async fn download_by_link(State(state): State<AppState>, Query(link): Query<Link>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let chosen = link.lang.as_deref().and_then(Lang::from_code);
    match super::service::client_copy(&state, &link.token, chosen, lang_of_request(&parts)).await {
        Ok((pdf, lang)) => answer(Ok(pdf), &format!("{}.pdf", lang.texts().consent_copy_file)),
        Err(error) => answer(Err(error), ""),
    }
}

fn answer(copy: Result<Vec<u8>, AppError>, filename: &str) -> Response {
    match copy {
        Ok(pdf) => {
            let mut response = pdf.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(AppError::NotFound | AppError::Rejected(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
