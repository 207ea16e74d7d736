//! A table-driven sweep of every endpoint with hostile input: every registered server function
//! (its argument names read from its declaration in `app/src`), every page, and every plain
//! axum route, called anonymously, as a practitioner and as support staff, with malformed, huge,
//! negative, far-off and non-UTF-8 values. Not one may answer 5xx, drop the connection, or panic.

use app::auth::api::{LogIn, LogInCode};
use app::journal::api::{CreateJournalEntry, EditJournalEntry};
use leptos::server_fn::ServerFn as _;
use std::collections::BTreeMap;
use std::sync::{Mutex, Once};

use reqwest::header::{ACCEPT, CONTENT_TYPE};

use crate::helpers::{PASSWORD, TestApp, browser, spawn_app, totp_code};

const OWNER: &str = "kari@example.no";
const FORM: &str = "application/x-www-form-urlencoded";
const STAFF: &str = "siri@trygg.example";

/// One row of hostile input: what an integer argument, a free text, a date and a clock time get.
struct Case {
    label: &'static str,
    int: String,
    text: String,
    date: String,
    clock: String,
}

fn cases() -> Vec<Case> {
    let case = |label, int: &str, text: &str, date: &str, clock: &str| Case {
        label,
        int: int.into(),
        text: text.into(),
        date: date.into(),
        clock: clock.into(),
    };
    let huge = "x".repeat(51_000);
    vec![
        case("empty", "", "", "", ""),
        case("negative", "-1", "-1", "-0001-12-31", "-01:30"),
        case("beyond i64", "99999999999999999999", "9223372036854775808", "+262143-12-31", "99:99"),
        case("i64 limits", "9223372036854775807", "-9223372036854775808", "-262143-01-01", "24:01"),
        case("huge", &format!("1{}", "0".repeat(5_000)), &huge, &"9".repeat(51_000), &"9".repeat(51_000)),
        case(
            "hostile text",
            "1 OR 1=1",
            "\u{0}\u{202e}<script>alert(1)</script>'\"; DROP TABLE users;--%_\\ ø\u{fffd}",
            "2026-02-30",
            "8:61",
        ),
        case("far-off dates", "0", "+262143-12-31", "+262142-12-31", "23:59"),
        // Last: ids of rows that exist, so checks behind the id are reached (and some rows go).
        case("existing rows", "1", "x", "+262142-12-31", "08:00"),
    ]
}

/// A server function as declared: its endpoint and its arguments' names and kinds.
struct ServerFn {
    endpoint: String,
    args: Vec<(String, Kind)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Text,
    Map,
}

/// Reads every `#[server(endpoint = "…")]` declaration under `app/src`.
fn declared_server_fns() -> Vec<ServerFn> {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../app/src"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut found = Vec::new();
    for source in files {
        for declaration in source.split("#[server(endpoint = \"").skip(1) {
            let (endpoint, rest) = declaration.split_once('"').unwrap();
            let signature = &rest[rest.find("fn ").unwrap()..];
            let open = signature.find('(').unwrap();
            let mut depth = 0;
            let close = signature[open..]
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '(' | '<' => 1,
                        ')' | '>' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .unwrap()
                .0
                + open;
            let mut args = Vec::new();
            let mut depth = 0;
            let mut current = String::new();
            for c in signature[open + 1..close].chars().chain([',']) {
                match c {
                    '<' | '(' | '[' => depth += 1,
                    '>' | ')' | ']' => depth -= 1,
                    _ => {}
                }
                if c == ',' && depth == 0 {
                    let arg = current.trim().rsplit(']').next().unwrap().trim().to_string();
                    if let Some((name, ty)) = arg.split_once(':') {
                        let kind = if ty.contains("HashMap") {
                            Kind::Map
                        } else if ["i64", "i32", "u32", "u64", "usize", "ClientId"].iter().any(|t| ty.contains(t)) {
                            Kind::Int
                        } else {
                            Kind::Text
                        };
                        args.push((name.trim().to_string(), kind));
                    }
                    current.clear();
                } else {
                    current.push(c);
                }
            }
            found.push(ServerFn { endpoint: endpoint.to_string(), args });
        }
    }
    found
}

/// The value an argument gets in a case: dates and clock times by their name, as the forms name them.
fn value<'a>(name: &str, kind: Kind, case: &'a Case) -> &'a str {
    match kind {
        Kind::Int => &case.int,
        _ if name.contains("date") => &case.date,
        _ if name == "time" => &case.clock,
        _ if name.contains("id") || matches!(name, "minutes" | "duration" | "entries") => &case.int,
        _ => &case.text,
    }
}

fn form_body(function: &ServerFn, case: &Case) -> String {
    let mut pairs = Vec::new();
    for (name, kind) in &function.args {
        if *kind == Kind::Map {
            for day in 0..7 {
                for part in ["open", "from", "to"] {
                    let text = if part == "open" { &case.text } else { &case.clock };
                    pairs.push(format!("{name}%5Bd{day}_{part}%5D={}", encode(text)));
                }
            }
            pairs.push(format!("{name}%5B{}%5D={}", encode(&case.text), encode(&case.int)));
        } else {
            pairs.push(format!("{name}={}", encode(value(name, *kind, case))));
        }
    }
    pairs.join("&")
}

/// Bodies that are wrong as a whole, whatever the function: (label, content type, bytes, the
/// status it must get, if one in particular).
fn raw_bodies(function: &ServerFn) -> Vec<(&'static str, &'static str, Vec<u8>, Option<u16>)> {
    let form = FORM;
    let names: Vec<&str> = function.args.iter().map(|(n, _)| n.as_str()).collect();
    let percent_bad = names.iter().map(|n| format!("{n}=%FF%FE")).collect::<Vec<_>>().join("&");
    let mut raw_bad = names.iter().map(|n| format!("{n}=ok")).collect::<Vec<_>>().join("&").into_bytes();
    raw_bad.extend_from_slice(b"&x=\xff\xfe\xc3");
    let repeated = names.iter().map(|n| format!("{n}=1&{n}=2")).collect::<Vec<_>>().join("&");
    let mut oversized = names.iter().map(|n| format!("{n}=1")).collect::<Vec<_>>().join("&").into_bytes();
    oversized.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024 + 1024));
    vec![
        ("raw non-UTF-8", form, raw_bad, Some(422)),
        ("percent-encoded non-UTF-8", form, percent_bad.into_bytes(), None),
        ("repeated keys", form, repeated.into_bytes(), None),
        ("deep nesting", form, b"a[b][c][d][e][f][g][h]=1".to_vec(), None),
        ("JSON garbage", "application/json", b"{\"id\": [".to_vec(), None),
        ("no content type", "", b"\x00\x01\x02".to_vec(), None),
        ("over 2 MB", form, oversized, Some(413)),
    ]
}

/// Every panic in this process, with the name of the thread it happened on.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn record_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current().name().unwrap_or_default().to_string();
            PANICS.lock().unwrap_or_else(|e| e.into_inner()).push((thread, info.to_string()));
            previous(info);
        }));
    });
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Practitioner,
    Support,
}

const EVERYONE: [Who; 3] = [Who::Anonymous, Who::Practitioner, Who::Support];

struct Sweep<'a> {
    app: &'a TestApp,
    practitioner: reqwest::Client,
    staff: reqwest::Client,
    staff_password: String,
    staff_key: String,
    /// Roles whose last request was answered as if signed out (the sweep calls `log_out` too).
    signed_out: Vec<Who>,
    failures: Vec<String>,
    requests: usize,
}

impl Sweep<'_> {
    /// The browser of `who`, signed in again when an earlier call signed it out.
    async fn client(&mut self, who: Who) -> reqwest::Client {
        if self.signed_out.contains(&who) {
            self.signed_out.retain(|w| *w != who);
            match who {
                Who::Practitioner => self.practitioner = sign_in(self.app, OWNER, PASSWORD, None).await,
                Who::Support => {
                    // The code of this time step may be spent already.
                    self.app.clock.advance(31);
                    let key = Some(self.staff_key.as_str());
                    self.staff = sign_in(self.app, STAFF, &self.staff_password, key).await;
                }
                Who::Anonymous => {}
            }
        }
        match who {
            Who::Anonymous => browser(&self.app.base),
            Who::Practitioner => self.practitioner.clone(),
            Who::Support => self.staff.clone(),
        }
    }

    async fn send(&mut self, who: Who, what: String, request: reqwest::RequestBuilder, expected: Option<u16>) {
        self.requests += 1;
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return self.failures.push(format!("{what}: no answer ({error})")),
        };
        let status = response.status().as_u16();
        let to_login = response.headers().get("location").is_some_and(|l| l.as_bytes().starts_with(b"/login"));
        if who != Who::Anonymous && (status == 401 || to_login) {
            self.signed_out.push(who);
        }
        if status >= 500 || expected.is_some_and(|e| e != status) {
            let body: String = response.text().await.unwrap_or_default().chars().take(200).collect();
            self.failures.push(format!("{what}: {status} (wanted {expected:?}) {body}"));
        }
    }
}

/// A fresh browser signed in (with the two-factor step when a key is given). Password checks
/// with wrong passwords in the sweep may have tripped the login throttle: its window is waited out.
async fn sign_in(app: &TestApp, email: &str, password: &str, key: Option<&str>) -> reqwest::Client {
    let client = browser(&app.base);
    let form = [("email", email), ("password", password)];
    let mut response = app.call_with(&client, LogIn::PATH, &form).await;
    if response.status() == 429 {
        app.clock.advance(16 * 60);
        response = app.call_with(&client, LogIn::PATH, &form).await;
    }
    assert_eq!(response.status(), 200, "{email} signs in again");
    if let Some(key) = key {
        let code = app.call_with(&client, LogInCode::PATH, &[("code", &totp_code(app, key, 0))]).await;
        assert_eq!(code.status(), 200, "{email}: the code step");
    }
    client
}

/// Percent-encoding of every byte but the unreserved ones.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `{id}`-style segments of a route, filled with a value.
fn fill(path: &str, value: &str) -> String {
    path.split('/')
        .map(|segment| if segment.starts_with('{') || segment.starts_with(':') { value } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// Query parameters the pages and routes read, plus Leptos' own error-in-URL pair.
const QUERY_KEYS: &[&str] = &[
    "q",
    "date",
    "time",
    "service",
    "token",
    "entries",
    "lang",
    "reason",
    "error",
    "saved",
    "deleted",
    "changed",
    "cancelled",
    "not_me",
    "client",
    "id",
    "__path",
    "__err",
];

/// The routes the app declares outside Leptos (see `startup::router`).
const PLAIN_ROUTES: &[&str] = &[
    "/healthz",
    "/settings/profile/agreement.pdf",
    "/support/evidence/{id}/{kind}",
    "/clients/{client}/consent/{id}/copy.pdf",
    "/consent/copy.pdf",
    "/messages/files/{id}",
    "/secure-message/files/{id}",
];

#[tokio::test]
async fn no_input_makes_any_endpoint_fail_or_panic() {
    record_panics();
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let practice = crate::calendar::practice(&app, &app.client).await;
    let entry = [("client_id", practice.client.as_str()), ("date", "2026-01-05"), ("title", "t"), ("text", "x")];
    assert_eq!(app.call(CreateJournalEntry::PATH, &entry).await.status(), 200);
    let staff = app::support::service::add_staff(&app.state, STAFF, "Siri Support").await.unwrap();
    let staff_key = staff.totp_key.replace(' ', "");
    let mut sweep = Sweep {
        app: &app,
        practitioner: app.client.clone(),
        staff: sign_in(&app, STAFF, &staff.password, Some(&staff_key)).await,
        staff_password: staff.password,
        staff_key,
        signed_out: Vec::new(),
        failures: Vec::new(),
        requests: 0,
    };

    let functions = declared_server_fns();
    let registered: BTreeMap<String, String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.trim_start_matches("/api/").to_string(), method.to_string()))
        .collect();
    let mut declared: Vec<&str> = functions.iter().map(|f| f.endpoint.as_str()).collect();
    declared.sort();
    assert_eq!(registered.keys().map(String::as_str).collect::<Vec<_>>(), declared, "every server function is swept");
    assert!(registered.values().all(|method| method == "POST"));
    let journal = functions.iter().find(|f| format!("/api/{}", f.endpoint) == EditJournalEntry::PATH).unwrap();
    let kinds: Vec<(&str, bool)> = journal.args.iter().map(|(n, k)| (n.as_str(), *k == Kind::Int)).collect();
    assert_eq!(kinds[..3], [("client_id", true), ("entry_id", true), ("version", true)], "arguments are read");

    for case in cases() {
        for function in &functions {
            let url = app.url(&format!("/api/{}", function.endpoint));
            let body = form_body(function, &case);
            for who in EVERYONE {
                let client = sweep.client(who).await;
                let request = client.post(&url).header(CONTENT_TYPE, FORM).body(body.clone());
                sweep.send(who, format!("{who:?} {} [{}]", function.endpoint, case.label), request, None).await;
            }
            // The same post from a form without JavaScript: a redirect back, never a 500.
            let client = sweep.client(Who::Practitioner).await;
            let request = client
                .post(&url)
                .header(CONTENT_TYPE, FORM)
                .header(ACCEPT, "text/html")
                .header("referer", app.url("/clients"))
                .body(body);
            let what = format!("no-JS {} [{}]", function.endpoint, case.label);
            sweep.send(Who::Practitioner, what, request, None).await;
        }
    }
    for function in &functions {
        for (label, content_type, body, expected) in raw_bodies(function) {
            let client = sweep.client(Who::Practitioner).await;
            let mut request = client.post(app.url(&format!("/api/{}", function.endpoint))).body(body);
            if !content_type.is_empty() {
                request = request.header(CONTENT_TYPE, content_type);
            }
            sweep.send(Who::Practitioner, format!("{} [{label}]", function.endpoint), request, expected).await;
        }
    }

    let mut paths: Vec<String> = app::startup::page_paths();
    assert!(paths.iter().any(|p| p.starts_with("/clients/")), "{paths:?}");
    paths.extend(PLAIN_ROUTES.iter().map(|p| p.to_string()));
    let long = "9".repeat(3_000);
    let segments = ["-1", "0", "9223372036854775808", "abc", "%FF%FE", "%00", "..%2F..", &long];
    for path in &paths {
        for who in EVERYONE {
            for segment in segments {
                let client = sweep.client(who).await;
                let url = app.url(&fill(path, segment));
                sweep.send(who, format!("{who:?} GET {url:.120}"), client.get(&url), None).await;
            }
            for case in cases() {
                let client = sweep.client(who).await;
                let query = QUERY_KEYS
                    .iter()
                    .map(|key| {
                        let value = if *key == "date" { &case.date } else { &case.text };
                        // One long value only: a URL has room for 64 KiB.
                        let value = if case.label == "huge" && *key != "q" { "x" } else { value.as_str() };
                        format!("{key}={}", encode(value))
                    })
                    .collect::<Vec<_>>()
                    .join("&");
                let url = app.url(&format!("{}?{query}", fill(path, "1")));
                let what = format!("{who:?} GET {} [{}]", fill(path, "1"), case.label);
                sweep.send(who, what, client.get(&url), None).await;
            }
            let client = sweep.client(who).await;
            let url = app.url(&format!("{}?q=%FF%FE&date=%C3&token=%80&lang=%FF", fill(path, "1")));
            sweep.send(who, format!("{who:?} GET {} [non-UTF-8 query]", fill(path, "1")), client.get(&url), None).await;
        }
    }

    // The multipart routes: the lost-2FA form, and sending a message (as the practitioner, and as
    // a client with no session).
    let multipart_routes = [
        (Who::Anonymous, "/api/lost_2fa"),
        (Who::Practitioner, "/messages/1/send"),
        (Who::Anonymous, "/secure-message/reply"),
    ];
    for ((label, content_type, body), (who, route)) in [
        ("not multipart", FORM, b"code=\xff\xfe".to_vec()),
        ("no boundary", "multipart/form-data", b"--x\r\n\r\n".to_vec()),
        (
            "broken part",
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data\r\n\r\n\xff".to_vec(),
        ),
        (
            "broken file",
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\xff\"\r\n\r\n%PDF-".to_vec(),
        ),
        ("huge", "multipart/form-data; boundary=x", vec![b'x'; 60 * 1024 * 1024]),
    ]
    .into_iter()
    .flat_map(|case| multipart_routes.map(move |route| (case.clone(), route)))
    {
        let client = sweep.client(who).await;
        let request = client.post(app.url(route)).header(CONTENT_TYPE, content_type).body(body);
        sweep.send(who, format!("{route} [{label}]"), request, None).await;
    }

    let thread = std::thread::current().name().unwrap_or_default().to_string();
    let panics: Vec<String> =
        PANICS.lock().unwrap().iter().filter(|(t, _)| *t == thread).map(|(_, message)| message.clone()).collect();
    assert!(sweep.requests > 3_000, "the sweep ran: {} requests", sweep.requests);
    assert!(
        sweep.failures.is_empty() && panics.is_empty(),
        "{} of {} requests failed:\n{}\npanics:\n{}",
        sweep.failures.len(),
        sweep.requests,
        sweep.failures.join("\n"),
        panics.join("\n")
    );
}
