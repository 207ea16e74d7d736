//! The signed copy with its trail as a PDF: `GET /clients/{client}/consent/{id}/copy.pdf` for the
//! practitioner of the client's practice only, and `GET /consent/copy.pdf?token=…` for the client,
//! through their link. Who may have which copy is decided in `service`.

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{AppError, Translated};
use crate::i18n::Lang;
use crate::ids::ClientId;
use crate::server::request::RequestInfo;
use crate::server::state::AppState;

/// The copy's two routes, for the app's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients/{client}/consent/{id}/copy.pdf", get(download))
        .route("/consent/copy.pdf", get(download_by_link))
}

async fn download(request: RequestInfo, Path((client_id, id)): Path<(ClientId, i64)>) -> Response {
    let copy = match request.user() {
        Ok(user) => super::service::signed_copy(&request.state, user, client_id, id, request.lang).await,
        Err(error) => Err(error),
    };
    answer(copy, &format!("consent-{id}.pdf"), request.lang)
}

#[derive(serde::Deserialize)]
struct Link {
    #[serde(default)]
    token: String,
    /// The language the client chose on the link's page, when they chose one.
    #[serde(default)]
    lang: Option<String>,
}

async fn download_by_link(request: RequestInfo, Query(link): Query<Link>) -> Response {
    let chosen = link.lang.as_deref().and_then(Lang::from_code);
    match super::service::client_copy(&request.state, &link.token, chosen, request.lang).await {
        Ok((pdf, lang)) => answer(Ok(pdf), &format!("{}.pdf", lang.texts().consent_copy_file), lang),
        Err(error) => answer(Err(error), "", chosen.unwrap_or(request.lang)),
    }
}

fn answer(copy: Result<Vec<u8>, AppError>, filename: &str, lang: Lang) -> Response {
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
        Err(error) => Translated(error, lang).into_response(),
    }
}
