//! The IP address of a booking (issue 20): no path shows it before approval; support decides with
//! the authority's reference, password and code; the release happens once and is audited; another
//! practice gets nothing; refused and expired requests release nothing; retention clears old
//! addresses and keeps those under request.

use app::auth::api::LogIn;
use app::booking::api::{Book, BookingAddress, BookingPage};
use app::calendar::api::{AppointmentSummary, CalendarWeek, GetAppointment};
use app::cleanup::service::RunMode;
use app::clients::api::ListClients;
use app::ip_requests::api::{
    DecideIpRequest, GetBookingToRequest, GetIpRequest, GetOnlineBookings, ListIpRequests, ReleaseIpAddress,
    RequestIpAddress, SupportIpQueue, SupportIpRequest,
};
use app::support::api::SupportAudit;
use base64::Engine as _;
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::calendar::practice;
use crate::helpers::{PASSWORD, TestApp, browser, browser_sending, error_of, spawn_app_with, totp_code};

const OWNER: &str = "kari@example.no";
const OTHER: &str = "per@example.no";
const BOOKER_IP: &str = "198.51.100.23";
const BOOKER_AGENT: &str = "ProbeAgent/9.1 (ip-request-test; Android 14)";
const REASON: &str = "Klienten har sendt truende meldinger etter bookingen, og politiet ber om adressen.";
const DAY: i64 = 86_400;

async fn app() -> TestApp {
    spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.session.login_throttle.max_mail_requests_per_ip = 1000;
        c.operator.email = "support@trygg.test".into();
    })
    .await
}

/// Books `time` on the practice's second offered day from the booker's address and browser;
/// returns the appointment id.
async fn book_online(app: &TestApp, time: &str, email: &str) -> i64 {
    let url: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let slug = url.rsplit_once("/book/").unwrap().1.to_string();
    let booker = browser_sending(&app.base, BOOKER_AGENT, &[("x-forwarded-for", BOOKER_IP)], None);
    let offer: Value = app.call_with(&booker, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    let date = offer["days"][1][0].as_str().unwrap().to_string();
    let service = offer["services"][0]["id"].to_string();
    let form = [
        ("slug", slug.as_str()),
        ("service_id", &service),
        ("date", &date),
        ("time", time),
        ("name", "Ola Nordmann"),
        ("email", email),
        ("phone", "+47 912 34 567"),
    ];
    let booked = app.call_with(&booker, Book::PATH, &form).await;
    assert_eq!(booked.status(), 200, "{}", booked.text().await.unwrap());
    sqlx::query_scalar("SELECT MAX(id) FROM appointments").fetch_one(&app.state.db).await.unwrap()
}

async fn request_ip(app: &TestApp, browser: &reqwest::Client, appointment: i64) -> reqwest::Response {
    let id = appointment.to_string();
    let form = [("appointment_id", id.as_str()), ("client_reference", "Ola N., klient 17"), ("reason", REASON)];
    app.call_with(browser, RequestIpAddress::PATH, &form).await
}

/// The new request's id, from where the form leads.
async fn requested(app: &TestApp, browser: &reqwest::Client, appointment: i64) -> String {
    let response = request_ip(app, browser, appointment).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    location.strip_prefix("/ip-requests/").unwrap().to_string()
}

struct Staff {
    client: reqwest::Client,
    password: String,
    totp_key: String,
}

async fn staff(app: &TestApp, email: &str) -> Staff {
    let account = app::support::service::add_staff(&app.state, email, "Siri Support").await.unwrap();
    let client = browser(&app.base);
    app.call_with(&client, LogIn::PATH, &[("email", email), ("password", &account.password)]).await;
    let code = totp_code(app, &account.totp_key, 0);
    let signed = app.call_with(&client, app::auth::api::LogInCode::PATH, &[("code", &code)]).await;
    assert_eq!(signed.headers()["location"], "/support");
    Staff { client, password: account.password, totp_key: account.totp_key }
}

async fn decide(app: &TestApp, staff: &Staff, id: &str, decision: &str, date: &str, note: &str) -> reqwest::Response {
    app.clock.advance(31);
    let code = totp_code(app, &staff.totp_key, 0);
    let form = [
        ("id", id),
        ("decision", decision),
        ("case_reference", "2026/4711"),
        ("case_date", date),
        ("note", note),
        ("password", &staff.password),
        ("code", &code),
    ];
    app.call_with(&staff.client, DecideIpRequest::PATH, &form).await
}

fn today(app: &TestApp) -> String {
    let zone = app::local_time::zone("Europe/Oslo");
    app::dates::date_text(app::local_time::to_local(zone, app.clock.now()).0)
}

async fn release(app: &TestApp, browser: &reqwest::Client, id: &str, password: &str) -> reqwest::Response {
    app.call_with(browser, ReleaseIpAddress::PATH, &[("id", id), ("password", password)]).await
}

async fn text_of(response: reqwest::Response) -> (u16, String) {
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Every page and endpoint that touches the booking, its client or the request, as the
/// practitioner and as support: none holds the address or the browser.
async fn nothing_shows_the_address(app: &TestApp, staff: &Staff, appointment: i64, request: &str) {
    let client_id: i64 = sqlx::query_scalar("SELECT client_id FROM appointments WHERE id = $1")
        .bind(appointment)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let date: String = {
        let summary: Value =
            app.call(AppointmentSummary::PATH, &[("id", &appointment.to_string())]).await.json().await.unwrap();
        summary["date"].as_str().unwrap().to_string()
    };
    let (a, c) = (appointment.to_string(), client_id.to_string());
    let mut seen = Vec::new();
    for (path, form) in [
        (CalendarWeek::PATH, vec![("date", date.as_str())]),
        (AppointmentSummary::PATH, vec![("id", a.as_str())]),
        (GetAppointment::PATH, vec![("id", a.as_str())]),
        (ListClients::PATH, vec![("query", "")]),
        (app::clients::api::GetClient::PATH, vec![("id", c.as_str())]),
        (GetBookingToRequest::PATH, vec![("appointment_id", a.as_str())]),
        (GetOnlineBookings::PATH, vec![("client_id", c.as_str())]),
        (ListIpRequests::PATH, vec![]),
        (GetIpRequest::PATH, vec![("id", request)]),
    ] {
        seen.push((path.to_string(), text_of(app.call(path, &form).await).await));
    }
    for page in [
        format!("/calendar?date={date}"),
        format!("/calendar/appointments/{a}"),
        format!("/clients/{c}"),
        "/ip-requests".to_string(),
        format!("/ip-requests/new?appointment={a}"),
        format!("/ip-requests/{request}"),
    ] {
        seen.push((page.clone(), text_of(app.get(&page).await).await));
    }
    for (path, form) in
        [(SupportIpQueue::PATH, vec![]), (SupportIpRequest::PATH, vec![("id", request)]), (SupportAudit::PATH, vec![])]
    {
        seen.push((path.to_string(), text_of(app.call_with(&staff.client, path, &form).await).await));
    }
    for page in ["/support/ip-requests".to_string(), format!("/support/ip-requests/{request}")] {
        let response = staff.client.get(app.url(&page)).send().await.unwrap();
        seen.push((page, text_of(response).await));
    }
    for (what, (status, body)) in &seen {
        assert_eq!(*status, 200, "{what}: {body}");
        assert!(!body.contains(BOOKER_IP) && !body.contains("ProbeAgent"), "{what} shows the booker: {body}");
    }
    assert!(seen.iter().any(|(_, (_, body))| body.contains("Ola N., klient 17")), "the pages were the real ones");
}

#[tokio::test]
async fn the_address_shows_nowhere_until_approval_then_once_with_a_statement_and_an_audit_line() {
    let app = app().await;
    app.signed_in_user(OWNER).await;
    practice(&app, &app.client).await;
    let appointment = book_online(&app, "09:00", "ola@example.no").await;

    // Bad input is answered next to its field and makes no request.
    let short = [("appointment_id", &*appointment.to_string()), ("client_reference", ""), ("reason", "for kort")];
    let error = error_of(app.call(RequestIpAddress::PATH, &short).await).await;
    let fields = crate::helpers::fields(&error);
    assert_eq!(fields, ["client_reference", "reason"], "{error}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ip_requests").await, 0);

    let id = requested(&app, &app.client, appointment).await;
    let again = error_of(request_ip(&app, &app.client, appointment).await).await;
    assert_eq!(again["Conflict"], "AlreadyRequested", "one open request per booking");
    let support = staff(&app, "siri@trygg.example").await;
    let mail = app.wait_for_subject("support@trygg.test", "A request for a booking's IP address waits", 1).await;
    assert!(!mail[0].contains("Ola") && !mail[0].contains(BOOKER_IP), "{}", mail[0]);

    // Sent, then under review once support opens it: support reads the reference and the reason.
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(view["status"], "Sent");
    let detail: Value =
        app.call_with(&support.client, SupportIpRequest::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(
        (detail["line"]["client_reference"].as_str(), detail["reason"].as_str()),
        (Some("Ola N., klient 17"), Some(REASON))
    );
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(view["status"], "InReview");

    nothing_shows_the_address(&app, &support, appointment, &id).await;
    let early = error_of(release(&app, &app.client, &id, PASSWORD).await).await;
    assert_eq!(early["Conflict"], "NotApproved", "nothing before approval");

    // The decision needs the reference, a date between the request and today, and password + code.
    let future = app::dates::date_text(app::dates::parse_date(&today(&app)).unwrap().succ_opt().unwrap());
    let bad = error_of(decide(&app, &support, &id, "approve", &future, "").await).await;
    assert_eq!(crate::helpers::fields(&bad), ["case_date"], "{bad}");
    app.clock.advance(31);
    let code = totp_code(&app, &support.totp_key, 0);
    let wrong = [
        ("id", id.as_str()),
        ("decision", "approve"),
        ("case_reference", "2026/4711"),
        ("case_date", &today(&app)),
        ("note", ""),
        ("password", "not the password at all"),
        ("code", &code),
    ];
    let refused = error_of(app.call_with(&support.client, DecideIpRequest::PATH, &wrong).await).await;
    assert_eq!(crate::helpers::fields(&refused), ["password"], "{refused}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ip_requests WHERE status = 'approved'").await, 0);
    // A practitioner cannot decide their own request.
    assert_eq!(app.call(DecideIpRequest::PATH, &wrong).await.status(), 403);
    let approved = decide(&app, &support, &id, "approve", &today(&app), "").await;
    assert_eq!(approved.status(), 200, "{}", approved.text().await.unwrap());
    let told = app.wait_for_subject(OWNER, &format!("Your IP address request {id} is approved"), 1).await;
    assert!(!told[0].contains(BOOKER_IP) && !told[0].contains("Ola"), "{}", told[0]);
    nothing_shows_the_address(&app, &support, appointment, &id).await;

    // The release: the password again; then once.
    let wrong = error_of(release(&app, &app.client, &id, "not the password at all").await).await;
    assert_eq!(crate::helpers::fields(&wrong), ["password"], "{wrong}");
    let released = release(&app, &app.client, &id, PASSWORD).await;
    assert_eq!(released.status(), 200);
    let released: Value = released.json().await.unwrap();
    assert_eq!((released["ip"].as_str(), released["user_agent"].as_str()), (Some(BOOKER_IP), Some(BOOKER_AGENT)));
    let pdf = base64::engine::general_purpose::STANDARD.decode(released["statement_base64"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = app::server::pdf::text_of(&pdf);
    for expected in [BOOKER_IP, "ProbeAgent/9.1", "2026/4711", "Ola N., klient 17", "Klinikk Nord"] {
        assert!(text.contains(expected), "{expected} in the statement: {text}");
    }
    let twice = error_of(release(&app, &app.client, &id, PASSWORD).await).await;
    assert_eq!(twice["Conflict"], "NotApproved", "shown once");
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(view["status"], "Released");
    assert!(!view.to_string().contains(BOOKER_IP));
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, actor_name FROM practice_audit WHERE action LIKE 'ip.%' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["ip.requested", "ip.approved", "ip.released"]);
    assert_eq!(audit[1].1, "Siri Support");
    assert_ne!(audit[2].1, "", "who saw it");
    let support_log = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'ip_request.approved'").await;
    assert_eq!(support_log, 1);
}

#[tokio::test]
async fn parallel_releases_show_the_address_once() {
    let app = app().await;
    app.signed_in_user(OWNER).await;
    practice(&app, &app.client).await;
    let appointment = book_online(&app, "10:00", "ola@example.no").await;
    let id = requested(&app, &app.client, appointment).await;
    let support = staff(&app, "siri@trygg.example").await;
    assert_eq!(decide(&app, &support, &id, "approve", &today(&app), "").await.status(), 200);
    let attempts = (0..5).map(|_| release(&app, &app.client, &id, PASSWORD));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409 || *s == 429), "{statuses:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'ip.released'").await, 1);
}

#[tokio::test]
async fn another_practice_reaches_nothing_and_a_practice_has_at_most_three_open_requests() {
    let app = app().await;
    app.signed_in_user(OWNER).await;
    practice(&app, &app.client).await;
    let bookings = [
        book_online(&app, "08:00", "a@example.no").await,
        book_online(&app, "09:00", "b@example.no").await,
        book_online(&app, "10:00", "c@example.no").await,
        book_online(&app, "11:00", "d@example.no").await,
        book_online(&app, "12:00", "e@example.no").await,
    ];
    let id = requested(&app, &app.client, bookings[0]).await;

    let other = app.other_practitioner(OTHER).await;
    let a = bookings[1].to_string();
    assert_eq!(app.call_with(&other, GetBookingToRequest::PATH, &[("appointment_id", &a)]).await.status(), 404);
    assert_eq!(request_ip(&app, &other, bookings[1]).await.status(), 404);
    assert_eq!(app.call_with(&other, GetIpRequest::PATH, &[("id", &id)]).await.status(), 404);
    assert_eq!(release(&app, &other, &id, PASSWORD).await.status(), 404);
    let theirs: Value = app.call_with(&other, ListIpRequests::PATH, &[]).await.json().await.unwrap();
    assert_eq!(theirs, Value::Array(Vec::new()));
    // Nor can anyone without a session, or a practitioner reach support's queue.
    let stranger = browser(&app.base);
    assert_eq!(app.call_with(&stranger, GetIpRequest::PATH, &[("id", &id)]).await.status(), 401);
    assert_eq!(app.call(SupportIpQueue::PATH, &[]).await.status(), 403);

    // Four more at once: the practice ends with exactly three open.
    let rest = bookings[1..].iter().map(|b| request_ip(&app, &app.client, *b));
    let responses = futures::future::join_all(rest).await;
    let made = responses.iter().filter(|r| r.status() == 200).count();
    assert_eq!(made, 2, "{:?}", responses.iter().map(|r| r.status()).collect::<Vec<_>>());
    assert_eq!(app.count("SELECT COUNT(*) FROM ip_requests").await, 3);
    let refused: Vec<Value> = {
        let mut out = Vec::new();
        for b in &bookings[1..] {
            let held = app.count(&format!("SELECT COUNT(*) FROM ip_requests WHERE appointment_id = {b}")).await;
            if held == 0 {
                out.push(error_of(request_ip(&app, &app.client, *b).await).await);
            }
        }
        out
    };
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|e| e["Conflict"]["TooManyOpenRequests"]["max"] == 3), "{refused:?}");
}

#[tokio::test]
async fn refused_and_expired_requests_never_release_the_address() {
    let app = app().await;
    app.signed_in_user(OWNER).await;
    practice(&app, &app.client).await;
    let first = book_online(&app, "08:00", "a@example.no").await;
    let second = book_online(&app, "10:00", "b@example.no").await;
    let third = book_online(&app, "12:00", "c@example.no").await;
    let support = staff(&app, "siri@trygg.example").await;

    // Refused: a refusal needs a note; then nothing is released, and the booking may be asked again.
    let id = requested(&app, &app.client, first).await;
    let no_note = error_of(decide(&app, &support, &id, "refuse", &today(&app), "").await).await;
    assert_eq!(crate::helpers::fields(&no_note), ["note"]);
    assert_eq!(
        decide(&app, &support, &id, "refuse", &today(&app), "Ikke grunnlag for utlevering.").await.status(),
        200
    );
    app.wait_for_subject(OWNER, &format!("Your IP address request {id} is refused"), 1).await;
    assert_eq!(error_of(release(&app, &app.client, &id, PASSWORD).await).await["Conflict"], "NotApproved");
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(
        (view["status"].as_str(), view["decision"]["note"].as_str()),
        (Some("Refused"), Some("Ikke grunnlag for utlevering."))
    );
    let late = error_of(decide(&app, &support, &id, "approve", &today(&app), "").await).await;
    assert_eq!(late["Conflict"], "AlreadyDecided", "a decision stands");

    // Undecided for 90 days: expired; support can no longer approve it.
    let waiting = requested(&app, &app.client, second).await;
    // Approved and not seen for 30 days: expired.
    let approved = requested(&app, &app.client, third).await;
    assert_eq!(decide(&app, &support, &approved, "approve", &today(&app), "").await.status(), 200);
    app.clock.advance(31 * DAY);
    app.log_in(OWNER, PASSWORD).await;
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &approved)]).await.json().await.unwrap();
    assert_eq!(view["status"], "Expired");
    assert_eq!(error_of(release(&app, &app.client, &approved, PASSWORD).await).await["Conflict"], "NotApproved");
    app.clock.advance(60 * DAY);
    app.log_in(OWNER, PASSWORD).await;
    let support = staff(&app, "ola.support@trygg.example").await;
    let view: Value = app.call(GetIpRequest::PATH, &[("id", &waiting)]).await.json().await.unwrap();
    assert_eq!(view["status"], "Expired");
    let expired = error_of(decide(&app, &support, &waiting, "approve", &today(&app), "").await).await;
    assert_eq!(expired["Conflict"], "AlreadyDecided");
    assert_eq!(error_of(release(&app, &app.client, &waiting, PASSWORD).await).await["Conflict"], "NotApproved");
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'ip.released'").await, 0);
}

#[tokio::test]
async fn retention_clears_old_addresses_and_keeps_those_under_request() {
    let app = app().await;
    app.signed_in_user(OWNER).await;
    practice(&app, &app.client).await;
    let plain = book_online(&app, "08:00", "a@example.no").await;
    let asked = book_online(&app, "10:00", "b@example.no").await;
    let approved = book_online(&app, "12:00", "c@example.no").await;
    let held = |id: i64| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM appointments WHERE id = $1 AND booker_ip IS NOT NULL AND booker_agent IS NOT NULL",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
                == 1
        }
    };

    // Five months on the practice asks about one booking; at six and a half about another, approved.
    app.clock.advance(150 * DAY);
    app.log_in(OWNER, PASSWORD).await;
    requested(&app, &app.client, asked).await;
    app.clock.advance(45 * DAY);
    app.log_in(OWNER, PASSWORD).await;
    let id = requested(&app, &app.client, approved).await;
    let support = staff(&app, "siri@trygg.example").await;
    assert_eq!(decide(&app, &support, &id, "approve", &today(&app), "").await.status(), 200);
    app.clock.advance(15 * DAY);

    // Seven months after the bookings: a dry run counts, changes nothing; the run clears the one
    // no request holds.
    let dry = app::cleanup::service::run(&app.state, RunMode::DryRun).await.unwrap().unwrap();
    assert_eq!(dry.addresses_cleared, 1);
    assert!(held(plain).await);
    let run = app::cleanup::service::run(&app.state, RunMode::ByHand).await.unwrap().unwrap();
    assert_eq!(run.addresses_cleared, 1);
    assert!(!held(plain).await && held(asked).await && held(approved).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 3, "the appointments stay");

    // Forty days later the open request has expired (90 days) and the approval is older than 30
    // days: both addresses go.
    app.clock.advance(40 * DAY);
    let run = app::cleanup::service::run(&app.state, RunMode::ByHand).await.unwrap().unwrap();
    assert_eq!(run.addresses_cleared, 2);
    assert!(!held(asked).await && !held(approved).await);
    app.log_in(OWNER, PASSWORD).await;
    let gone = error_of(release(&app, &app.client, &id, PASSWORD).await).await;
    assert_eq!(gone["Conflict"], "NotApproved");
    let page = app.call(GetBookingToRequest::PATH, &[("appointment_id", &plain.to_string())]).await;
    assert_eq!(page.status(), 404, "no address, nothing to ask for");
}
