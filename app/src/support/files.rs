//! The two routes that carry files, outside the server functions: the lost-2FA form (a plain
//! multipart form, so it works on any phone with or without JavaScript) and support's view of
//! the evidence. Both pass the guard first: same-origin check, client address, session.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::service::{self, EVIDENCE_POLICY, Submission, Upload};
use super::types::{BILL, MAX_FILE_BYTES, PHOTO_ID};
use crate::error::{AppError, Problem, Translated};
use crate::server::request::RequestInfo;
use crate::server::state::AppState;

/// The whole form may be this large: two files and a few digits.
const MAX_FORM_BYTES: usize = 2 * MAX_FILE_BYTES + 64 * 1024;

const FORM_PAGE: &str = "/login/lost-2fa";

/// The two routes, for the app's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/lost_2fa", post(submit_lost_2fa).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)))
        .route("/support/evidence/{id}/{kind}", get(evidence))
}

/// `POST /api/lost_2fa`: files the request, then sends the browser to its status page, or back
/// to the form with each problem named by its field.
async fn submit_lost_2fa(request: RequestInfo, multipart: Multipart) -> Response {
    let state = &request.state;
    let token = request.cookie(&crate::auth::challenge_cookie_name(state));
    let challenge = match crate::two_factor::service::challenge(state, token.as_deref()).await {
        Ok(challenge) => challenge,
        Err(AppError::Rejected(_)) => return Redirect::to("/login?reason=code_expired").into_response(),
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let submission = match read_form(multipart).await {
        Ok(submission) => submission,
        Err(problems) => return back_to_form(&problems),
    };
    let origin = request.origin();
    match service::submit(state, challenge.user_id, &challenge.email, submission, &origin, request.lang).await {
        Ok(token) => Redirect::to(&format!("/login/lost-2fa/status?token={token}")).into_response(),
        Err(AppError::Conflict(Problem::RequestPending)) => back_to_form(&[("form", "pending")]),
        Err(error) => Translated(error, request.lang).into_response(),
    }
}

fn back_to_form(problems: &[(&str, &str)]) -> Response {
    let list = problems.iter().map(|(field, code)| format!("{field}.{code}")).collect::<Vec<_>>().join(",");
    Redirect::to(&format!("{FORM_PAGE}?error={list}")).into_response()
}

/// Reads the form, checking every part: each problem is reported on its field.
async fn read_form(mut multipart: Multipart) -> Result<Submission, Vec<(&'static str, &'static str)>> {
    let mut photo = Err("missing");
    let mut bill = Err("missing");
    let mut card = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(vec![("form", "too_large")]),
        };
        match field.name().unwrap_or_default() {
            "photo_id" => photo = read_file(field, false).await?,
            "bill" => bill = read_file(field, true).await?,
            "card_last4" => {
                let text = field.text().await.map_err(|_| vec![("form", "too_large")])?;
                card = text.chars().filter(|c| !c.is_whitespace()).take(16).collect();
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    if let Err(code) = &photo {
        problems.push((PHOTO_ID, *code));
    }
    if let Err(code) = &bill {
        problems.push((BILL, *code));
    }
    if card.is_empty() {
        problems.push(("card_last4", "missing"));
    } else if card.len() != 4 || !card.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(("card_last4", "digits"));
    }
    match (photo, bill) {
        (Ok(photo_id), Ok(bill)) if problems.is_empty() => Ok(Submission { photo_id, bill, card_last4: card }),
        _ => Err(problems),
    }
}

/// One file field: `Ok(Err(code))` for a problem with this file, `Err` when the form as a whole
/// could not be read.
async fn read_file(
    mut field: axum::extract::multipart::Field<'_>,
    pdf_allowed: bool,
) -> Result<Result<Upload, &'static str>, Vec<(&'static str, &'static str)>> {
    let mut bytes = Vec::new();
    let mut too_large = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                    too_large = true;
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(_) => return Err(vec![("form", "too_large")]),
        }
    }
    if too_large {
        return Ok(Err("too_large"));
    }
    if bytes.is_empty() {
        return Ok(Err("missing"));
    }
    match service::sniff(&bytes) {
        Some("application/pdf") if !pdf_allowed => Ok(Err("type")),
        Some(content_type) => Ok(Ok(Upload { content_type, bytes })),
        None => Ok(Err("type")),
    }
}

/// `GET /support/evidence/{id}/{kind}`: one file, to support staff only.
async fn evidence(request: RequestInfo, Path((id, kind)): Path<(i64, String)>) -> Response {
    let file = match request.staff() {
        Ok(staff) => service::evidence_file(&request.state, staff, id, &kind, &request.origin()).await,
        Err(error) => Err(error),
    };
    match file {
        Ok(file) => {
            let mut response = file.bytes.into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&file.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            if let Ok(value) = HeaderValue::from_str(&file.disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(EVIDENCE_POLICY));
            response
        }
        Err(error) => Translated(error, request.lang).into_response(),
    }
}
