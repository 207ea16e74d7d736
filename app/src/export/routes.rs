//! The download routes of data exports (plain GETs, so a browser saves the file as it comes).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{AppError, Translated};
use crate::ids::ClientId;
use crate::server::request::RequestInfo;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients/{id}/export.zip", get(client_archive))
        .route(super::service::DOWNLOAD_PATH, get(practice_archive))
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

#[derive(serde::Deserialize)]
struct Link {
    token: Option<String>,
}

/// `GET /settings/export/download?token=…`: the practice's archive, through the link mailed to
/// the practitioner who asked, once, within 24 hours, in their own signed-in browser.
async fn practice_archive(request: RequestInfo, Query(link): Query<Link>) -> Response {
    let state = request.state.clone();
    let taken = match request.user() {
        Ok(user) => super::service::take_practice_export(&state, user, link.token.as_deref().unwrap_or("")).await,
        Err(error) => Err(error),
    };
    let download = match taken {
        Ok(download) => download,
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let date = chrono::DateTime::from_timestamp(state.clock.now(), 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let size = download.size.to_string();
    let (sender, stream) = crate::server::streaming::channel();
    tokio::spawn(async move {
        for seq in download.pieces.clone() {
            let piece = download.piece(&state, seq).await.map(Bytes::from).map_err(std::io::Error::other);
            let failed = piece.is_err();
            if sender.send(piece).await.is_err() || failed {
                return;
            }
        }
        if let Err(error) = download.done(&state).await {
            tracing::error!(?error, "the pieces of a downloaded practice export were not deleted");
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&size) {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"trygg-practice-{date}.zip\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
