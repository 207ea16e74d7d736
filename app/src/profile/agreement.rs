//! The data processing agreement's download route; the agreement itself is made in `service`.

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::Translated;
use crate::i18n::Lang;
use crate::server::request::RequestInfo;
use crate::server::state::AppState;

/// The agreement's route, for the app's router.
pub fn routes() -> Router<AppState> {
    Router::new().route(super::AGREEMENT_PATH, get(download))
}

#[derive(serde::Deserialize)]
struct Choice {
    lang: Option<String>,
}

/// `GET /settings/profile/agreement.pdf?lang=nb|en`: the signed-in practitioner's agreement, as
/// a download.
async fn download(request: RequestInfo, Query(choice): Query<Choice>) -> Response {
    let lang = choice.lang.as_deref().and_then(Lang::from_code).unwrap_or(Lang::Nb);
    let made = match request.user() {
        Ok(user) => super::service::agreement(&request.state, user, lang).await,
        Err(error) => Err(error),
    };
    match made {
        Ok(pdf) => {
            let mut response = pdf.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            let disposition = match lang {
                Lang::Nb => "attachment; filename=\"databehandleravtale-trygg.pdf\"",
                Lang::En => "attachment; filename=\"data-processing-agreement-trygg.pdf\"",
            };
            headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
            response
        }
        Err(error) => Translated(error, lang).into_response(),
    }
}
