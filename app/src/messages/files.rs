//! The routes that carry files, outside the server functions: sending a message (plain multipart
//! forms, so they work the same with or without JavaScript, on any phone) and downloading a
//! file. Both pass the guard first: same-origin check, client address, session.
//!
//! Files stream: each arrives in `CHUNK_BYTES` pieces that are sealed and stored one by one, and
//! leaves the same way, so a 10 MB file never sits whole in memory.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::service::{self, CHUNK_BYTES, Download, Draft};
use super::types::{BODY_MAX, MAX_FILE_BYTES, MAX_FILES, problem_code};
use crate::error::{AppError, Problem, Translated};
use crate::ids::{ClientId, FileId};
use crate::server::db::Db;
use crate::server::request::RequestInfo;
use crate::server::state::AppState;
use crate::server::streaming;

/// A message's form may be this large: its files and a long text.
const MAX_FORM_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024;

/// The most a text field is read: a body of `BODY_MAX` characters of up to four bytes each, and
/// one more so that a longer one is refused as too long.
const TEXT_FIELD_MAX: usize = 4 * BODY_MAX + 4;

/// Downloads are never shown by the browser, and could run nothing if they were.
const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages/{client}/send", post(send).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)))
        .route("/messages/files/{id}", get(download_for_user))
        .route("/secure-message/reply", post(reply).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)))
        .route("/secure-message/files/{id}", get(download_for_client))
}

/// The form's fields other than files.
#[derive(Default)]
struct Fields {
    body: String,
    second_factor: Option<String>,
    token: String,
    from_profile: bool,
}

/// Problems with the form, each as `(field, code)` for the page's `?error=`.
type Problems = Vec<(&'static str, &'static str)>;

/// `POST /messages/{client}/send`: the practitioner's message, then back to the conversation.
async fn send(request: RequestInfo, Path(client_id): Path<ClientId>, multipart: Multipart) -> Response {
    let state = &request.state;
    let user = match request.user() {
        Ok(user) => user,
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let back = |from_profile: bool, query: &str| {
        let page = if from_profile { format!("/clients/{client_id}") } else { format!("/messages/{client_id}") };
        Redirect::to(&format!("{page}?{query}#messages")).into_response()
    };
    let (mut draft, profile) = match service::begin_message(state, user, client_id).await {
        Ok(begun) => begun,
        Err(AppError::NotFound) => return Translated(AppError::NotFound, request.lang).into_response(),
        Err(error) => return back(false, &error_query(&refusal(&error))),
    };
    let fields = match read_form(&mut draft, &state.db, multipart).await {
        Ok(fields) => fields,
        Err((fields, problems)) => {
            draft.refuse(&state.db, &fields.body).await;
            return back(fields.from_profile, &error_query(&problems));
        }
    };
    let typed = service::Typed { body: &fields.body, second_factor: fields.second_factor.as_deref() };
    match service::send_message(state, user, (draft, profile), typed, request.lang).await {
        Ok(()) => back(fields.from_profile, "sent=1"),
        Err(error) => back(fields.from_profile, &error_query(&refusal(&error))),
    }
}

/// `POST /secure-message/reply`: the client's answer, through a verified device's session.
async fn reply(request: RequestInfo, multipart: Multipart) -> Response {
    let state = &request.state;
    let cookie = request.cookie(super::session_cookie_name(state));
    let session = match service::client_session(state, cookie.as_deref()).await {
        Ok(Some(session)) => session,
        Ok(None) => return Translated(AppError::Rejected(Problem::InvalidLink), request.lang).into_response(),
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let mut draft = match service::begin_reply(state, session).await {
        Ok(draft) => draft,
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let back =
        |token: &str, query: &str| Redirect::to(&format!("{}&{query}#reply", super::link_path(token))).into_response();
    let fields = match read_form(&mut draft, &state.db, multipart).await {
        Ok(fields) => fields,
        Err((fields, problems)) => {
            draft.refuse(&state.db, &fields.body).await;
            return back(&fields.token, &error_query(&problems));
        }
    };
    match service::send_reply(state, draft, &fields.body, request.lang).await {
        Ok(()) => back(&fields.token, "sent=1"),
        Err(error) => back(&fields.token, &error_query(&refusal(&error))),
    }
}

/// What a refused send says, field by field.
fn refusal(error: &AppError) -> Problems {
    match error {
        AppError::Validation(errors) => {
            errors.iter().map(|e| (field_name(&e.field), problem_code(e.problem))).collect()
        }
        AppError::Rejected(problem) | AppError::Conflict(problem) => vec![("form", problem_code(*problem))],
        AppError::RateLimited { .. } => vec![("form", "rate_limited")],
        _ => vec![("form", "failed")],
    }
}

fn field_name(field: &str) -> &'static str {
    match field {
        "body" => "body",
        "files" => "files",
        "second_factor" => "second_factor",
        _ => "form",
    }
}

fn error_query(problems: &Problems) -> String {
    let list = problems.iter().map(|(field, code)| format!("{field}.{code}")).collect::<Vec<_>>().join(",");
    format!("error={list}")
}

/// Reads the form, storing each file as it streams in. Every problem is reported on its field;
/// a refused file is read to its end (the form goes on after it) but not kept.
async fn read_form(draft: &mut Draft, db: &Db, mut multipart: Multipart) -> Result<Fields, (Fields, Problems)> {
    let mut fields = Fields::default();
    let mut problems: Problems = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                problems.push(("form", "too_large"));
                return Err((fields, problems));
            }
        };
        match field.name().unwrap_or_default() {
            "files" => match store_file(draft, db, field).await {
                Ok(()) => {}
                Err(FileProblem::Field(code)) => {
                    if !problems.contains(&("files", code)) {
                        problems.push(("files", code));
                    }
                }
                Err(FileProblem::Form(code)) => {
                    problems.push(("form", code));
                    return Err((fields, problems));
                }
            },
            "body" => fields.body = text(field).await.unwrap_or_default(),
            "second_factor" => fields.second_factor = text(field).await,
            "token" => fields.token = text(field).await.unwrap_or_default(),
            "from" => fields.from_profile = text(field).await.as_deref() == Some("profile"),
            _ => {}
        }
    }
    if problems.is_empty() { Ok(fields) } else { Err((fields, problems)) }
}

/// A text field, read up to a bound (four bytes for each of a body's characters): a form cannot
/// make the server hold a 50 MB "text". Longer is cut there, and then refused as too long.
async fn text(mut field: axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if bytes.len() + chunk.len() > TEXT_FIELD_MAX {
            bytes.extend_from_slice(&chunk[..TEXT_FIELD_MAX - bytes.len()]);
            while field.chunk().await.ok()?.is_some() {}
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

enum FileProblem {
    /// This file is refused; the form goes on.
    Field(&'static str),
    /// The form cannot be read further.
    Form(&'static str),
}

/// One file part: its kind decided by its first chunk, then sealed and stored chunk by chunk. An
/// empty part (no file chosen) is no file.
async fn store_file(
    draft: &mut Draft,
    db: &Db,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<(), FileProblem> {
    let name = field.file_name().unwrap_or_default().to_string();
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let mut writer = None;
    let mut total = 0usize;
    let mut refused = None;
    let failed = |_| FileProblem::Form("failed");
    loop {
        let bytes = match field.chunk().await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => break,
            Err(_) => return Err(FileProblem::Form("too_large")),
        };
        total += bytes.len();
        if refused.is_some() {
            continue;
        }
        if total > MAX_FILE_BYTES {
            refused = Some("too_large");
            continue;
        }
        pending.extend_from_slice(&bytes);
        while pending.len() >= CHUNK_BYTES {
            if writer.is_none() {
                writer = Some(begin(draft, db, &pending).await?);
            }
            let rest = pending.split_off(CHUNK_BYTES);
            let chunk = std::mem::replace(&mut pending, rest);
            if let Some(file) = writer.as_mut() {
                draft.write(db, file, &chunk).await.map_err(failed)?;
            }
        }
    }
    if let Some(code) = refused {
        // Whatever of it was stored goes when the refused draft is put aside.
        return Err(FileProblem::Field(code));
    }
    if total == 0 {
        return Ok(());
    }
    let mut file = match writer {
        Some(file) => file,
        None => begin(draft, db, &pending).await?,
    };
    if !pending.is_empty() {
        draft.write(db, &mut file, &pending).await.map_err(failed)?;
    }
    draft.finish_file(db, file, &name).await.map_err(failed)
}

async fn begin(draft: &mut Draft, db: &Db, head: &[u8]) -> Result<service::FileWriter, FileProblem> {
    let kind = super::kind::of(head).ok_or(FileProblem::Field("type"))?;
    draft.begin_file(db, kind).await.map_err(|error| match error {
        AppError::Validation(_) => FileProblem::Field("too_many"),
        _ => FileProblem::Form("failed"),
    })
}

/// `GET /messages/files/{id}`: a file of one of the practice's conversations.
async fn download_for_user(request: RequestInfo, Path(id): Path<FileId>) -> Response {
    let download = match request.user() {
        Ok(user) => service::download_for_user(&request.state, user, id).await,
        Err(error) => Err(error),
    };
    serve(request, download)
}

/// `GET /secure-message/files/{id}`: a file of the verified device's conversation.
async fn download_for_client(request: RequestInfo, Path(id): Path<FileId>) -> Response {
    let state = &request.state;
    let cookie = request.cookie(super::session_cookie_name(state));
    let download = match service::client_session(state, cookie.as_deref()).await {
        Ok(Some(session)) => service::download_for_client(state, &session, id).await,
        Ok(None) => Err(AppError::Unauthorized),
        Err(error) => Err(error),
    };
    serve(request, download)
}

/// The file as an attachment, streamed chunk by chunk, under a sandbox policy.
fn serve(request: RequestInfo, download: Result<Download, AppError>) -> Response {
    let download = match download {
        Ok(download) => download,
        Err(error) => return Translated(error, request.lang).into_response(),
    };
    let (content_type, size, disposition) =
        (download.content_type.clone(), download.size.to_string(), attachment(&download.name));
    let mut response = Response::new(Body::from_stream(stream(request.state.db.clone(), download)));
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(headers, header::CONTENT_TYPE, &content_type);
    set(headers, header::CONTENT_LENGTH, &size);
    set(headers, header::CONTENT_DISPOSITION, &disposition);
    set(headers, header::CONTENT_SECURITY_POLICY, DOWNLOAD_POLICY);
    response
}

/// `attachment` with the name as plain ASCII for old browsers and exactly (RFC 5987) for others.
fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The file's chunks, opened one at a time by a task that waits while the client reads: at most
/// one chunk waits in the channel.
fn stream(db: Db, download: Download) -> streaming::PieceStream {
    let (sender, stream) = streaming::channel();
    tokio::spawn(async move {
        for seq in 0..download.chunks() {
            let chunk = download.chunk(&db, seq).await.map(Bytes::from).map_err(std::io::Error::other);
            let failed = chunk.is_err();
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    stream
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_cannot_break_the_header() {
        assert_eq!(attachment("skann.pdf"), "attachment; filename=\"skann.pdf\"; filename*=UTF-8''skann.pdf");
        assert_eq!(
            attachment("blåbær \"x\".txt"),
            "attachment; filename=\"bl_b_r _x_.txt\"; filename*=UTF-8''bl%C3%A5b%C3%A6r%20%22x%22.txt"
        );
        assert!(HeaderValue::from_str(&attachment("a\r\nSet-Cookie: x=1")).is_ok());
    }
}
