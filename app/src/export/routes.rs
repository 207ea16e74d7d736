//! The download routes of data exports (plain GETs, so a browser saves the file as it comes).

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{AppError, Translated};
use crate::ids::ClientId;
use crate::server::request::RequestInfo;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/clients/{id}/export.zip", get(client_archive))
}

/// `GET /clients/{id}/export.zip`: everything about one client of the signed-in practitioner's
/// practice.
async fn client_archive(request: RequestInfo, Path(id): Path<String>) -> Response {
    let made = match (request.user(), id.parse::<ClientId>()) {
        (Ok(user), Ok(id)) => super::service::client_archive(&request.state, user, id, request.lang).await,
        (Err(error), _) => Err(error),
        (_, Err(_)) => Err(AppError::NotFound),
    };
    match made {
        Ok(file) => {
            let date = chrono::DateTime::from_timestamp(request.state.clock.now(), 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let name = format!("attachment; filename=\"trygg-client-{id}-{date}.zip\"");
            let mut response = Response::new(Body::from_stream(crate::server::streaming::file(file)));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&name) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => Translated(error, request.lang).into_response(),
    }
}
