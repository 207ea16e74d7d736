//! The answer while the database cannot be reached: a short translated page for browsers, and
//! `AppError::ServiceUnavailable` for the app's own server-function calls. It is made without
//! the database and without rendering the app, so it is quick and cannot fail in turn.

use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::request::lang_of_headers;
use crate::error::AppError;

/// What `Retry-After` tells clients, and how often the page reloads itself.
const RETRY_AFTER_SECS: u32 = 10;

/// The 503 for a request that needed the database. A browser that asked for a page (or posted
/// a form without JavaScript) gets the page; the hydrated app gets its error as JSON.
pub fn response(method: &Method, path: &str, headers: &HeaderMap) -> Response {
    let wants_html =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    let mut response = if path.starts_with("/api/") && !wants_html {
        let body = serde_json::to_vec(&AppError::ServiceUnavailable).unwrap_or_default();
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    } else {
        let html = page(lang_of_headers(headers), method == Method::GET);
        (StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(html)).into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

/// A page whose render met an unreachable database answers 503 (it shows the error, and
/// `AppError::set_page_status` gives the page its status); whatever it rendered gives way to the
/// unavailable page.
pub fn replace_failed_page(method: &Method, path: &str, headers: &HeaderMap, rendered: Response) -> Response {
    let is_page = matches!(*method, Method::GET | Method::HEAD) && !path.starts_with("/api/");
    if is_page && rendered.status() == StatusCode::SERVICE_UNAVAILABLE {
        response(method, path, headers)
    } else {
        rendered
    }
}

/// After a GET the page reloads itself until the database is back; after a form post it links
/// to the front page instead of repeating the post.
fn page(lang: crate::i18n::Lang, reload: bool) -> String {
    let t = lang.texts();
    let (refresh, again) = if reload {
        (format!("<meta http-equiv=\"refresh\" content=\"{RETRY_AFTER_SECS}\">"), "")
    } else {
        (String::new(), "/")
    };
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
         <title>{title} · Trygg</title><link rel=\"stylesheet\" href=\"/pkg/trygg.css\"></head>\
         <body><main id=\"main\" class=\"card public\" role=\"alert\"><h1>{title}</h1><p>{text}</p>\
         <p><a class=\"button primary\" href=\"{again}\">{retry}</a></p></main></body></html>",
        lang = lang.code(),
        title = escape(t.unavailable_title),
        text = escape(t.unavailable_text),
        retry = escape(t.unavailable_retry),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_str(v).unwrap())).collect()
    }

    async fn body(response: Response) -> String {
        String::from_utf8(axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn browsers_get_a_translated_page_and_the_app_its_error() {
        let norwegian = headers(&[("accept", "text/html"), ("accept-language", "nb-NO,nb;q=0.9")]);
        let page = response(&Method::GET, "/calendar", &norwegian);
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers()[header::RETRY_AFTER], "10");
        let html = body(page).await;
        assert!(html.contains(crate::i18n::NB.unavailable_title) && html.contains("lang=\"nb\""), "{html}");
        assert!(html.contains("http-equiv=\"refresh\""));

        let posted = body(response(&Method::POST, "/api/log_in", &headers(&[("accept", "text/html")]))).await;
        assert!(posted.contains(crate::i18n::EN.unavailable_title) && !posted.contains("refresh"), "{posted}");

        let app = response(&Method::POST, "/api/log_in", &headers(&[("accept", "application/json")]));
        assert_eq!(app.status(), StatusCode::SERVICE_UNAVAILABLE);
        let error: AppError = serde_json::from_str(&body(app).await).unwrap();
        assert_eq!(error, AppError::ServiceUnavailable);
    }

    #[test]
    fn only_pages_that_answered_503_are_replaced() {
        let html = headers(&[("accept", "text/html")]);
        let failed = StatusCode::SERVICE_UNAVAILABLE.into_response();
        let replaced = replace_failed_page(&Method::GET, "/book/klinikk", &html, failed);
        assert!(replaced.headers().contains_key(header::RETRY_AFTER));
        let fine = replace_failed_page(&Method::GET, "/book/klinikk", &html, StatusCode::OK.into_response());
        assert_eq!(fine.status(), StatusCode::OK);
        let api = replace_failed_page(&Method::POST, "/api/x", &html, StatusCode::SERVICE_UNAVAILABLE.into_response());
        assert!(!api.headers().contains_key(header::RETRY_AFTER), "a server function's own 503 stays");
    }
}
