//! Input that used to crash or answer 500: bodies that are not UTF-8 or over the size limit,
//! a client search longer than the database takes, and dates far outside any calendar.

use app::auth::api::LogIn;
use app::booking::api::{BookingAddress, FreeTimes};
use app::calendar::api::{CalendarWeek, CreateAppointment};
use app::clients::api::{CreateClient, ListClients};
use app::journal::api::CreateJournalEntry;
use app::profile::api::GetProfile;
use leptos::server_fn::ServerFn as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, spawn_app};

const OWNER: &str = "kari@example.no";
const FORM: &str = "application/x-www-form-urlencoded";

async fn post_raw(app: &TestApp, path: &str, body: Vec<u8>) -> reqwest::Response {
    app.client.post(app.url(path)).header("content-type", FORM).body(body).send().await.unwrap()
}

#[tokio::test]
async fn bodies_that_cannot_be_read_are_the_callers_fault() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;

    // (function, what the same bytes percent-encoded get: refused as arguments, or unread)
    for (function, percent_encoded) in [(LogIn::PATH, 422), (CreateClient::PATH, 422), (GetProfile::PATH, 200)] {
        let raw = post_raw(&app, function, b"email=kari%40example.no&password=\xff\xfe".to_vec()).await;
        assert_eq!(raw.status(), 422, "{function}: raw invalid UTF-8");
        assert_eq!(error_of(raw).await, json!({ "Rejected": "MalformedRequest" }));
        let encoded = post_raw(&app, function, b"email=%FF%FE&password=%C3".to_vec()).await;
        assert_eq!(encoded.status(), percent_encoded, "{function}: percent-encoded");

        let mut oversized = b"email=".to_vec();
        oversized.resize(2 * 1024 * 1024 + 1, b'a');
        let large = post_raw(&app, function, oversized).await;
        assert_eq!(large.status(), 413, "{function}: over 2 MB");
        assert_eq!(error_of(large).await, json!({ "Rejected": { "TooLarge": { "max_mb": 2 } } }));
    }
    let mut at_limit = b"query=".to_vec();
    at_limit.resize(2 * 1024 * 1024, b'a');
    assert_eq!(post_raw(&app, ListClients::PATH, at_limit).await.status(), 422, "read in full, refused for its length");

    // A form posted without JavaScript comes back to its page with the error, as any other.
    let no_js = app
        .client
        .post(app.url(CreateClient::PATH))
        .header("content-type", FORM)
        .header("accept", "text/html")
        .header("referer", app.url("/clients/new"))
        .body(b"name=Ola\xff".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(no_js.status(), 302);
    let back = no_js.headers()["location"].to_str().unwrap();
    assert!(back.starts_with(&app.url("/clients/new")) && back.contains("__err="), "{back}");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0, "nothing was made");
}

#[tokio::test]
async fn a_client_search_is_capped_with_a_message_next_to_the_field() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let long = "o".repeat(51_000);
    let refused = app.call(ListClients::PATH, &[("query", &long)]).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        error_of(refused).await,
        json!({ "Validation": [{ "field": "q", "problem": { "TooLong": { "max": 254 } } }] })
    );
    let longest = "ø".repeat(254);
    assert_eq!(app.call(ListClients::PATH, &[("query", &longest)]).await.status(), 200);

    let page =
        app.client.get(app.url(&format!("/clients?q={long}"))).header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"q-error\"") && html.contains("At most 254 characters."), "the message is by the field");
}

#[tokio::test]
async fn far_off_dates_are_refused_everywhere_and_crash_nothing() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let practice = crate::calendar::practice(&app, &app.client).await;
    let address: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let slug = address.rsplit('/').next().unwrap().to_string();

    for date in ["+262142-12-31", "+262143-12-31", "-262143-01-01", "2201-01-01", "1899-12-31", "+2026-01-05"] {
        // The calendar shows this week for a date it cannot read, as for an empty one.
        let week = app.call(CalendarWeek::PATH, &[("date", date)]).await;
        assert_eq!(week.status(), 200, "{date}");
        let today: Value = app.call(CalendarWeek::PATH, &[("date", "")]).await.json().await.unwrap();
        assert_eq!(week.json::<Value>().await.unwrap()["monday"], today["monday"], "{date}");
        assert_eq!(app.get(&format!("/calendar?date={}", date.replace('+', "%2B"))).await.status(), 200, "{date}");

        let field = |response: Value| response["Validation"][0]["field"].as_str().unwrap_or_default().to_string();
        let entry = [("client_id", practice.client.as_str()), ("date", date), ("title", "t"), ("text", "x")];
        assert_eq!(field(error_of(app.call(CreateJournalEntry::PATH, &entry).await).await), "date", "journal {date}");
        let client = [("name", "Kari"), ("birth_date", date)];
        let refused = app.try_create_client(&app.client, &client).await;
        assert_eq!(field(error_of(refused).await), "birth_date", "client {date}");
        let appointment = [
            ("client_id", practice.client.as_str()),
            ("service_id", &practice.service),
            ("date", date),
            ("time", "09:00"),
            ("notes", ""),
        ];
        assert_eq!(field(error_of(app.call(CreateAppointment::PATH, &appointment).await).await), "date", "{date}");
        let times = [("slug", slug.as_str()), ("service_id", &practice.service), ("date", date)];
        assert_eq!(field(error_of(app.call(FreeTimes::PATH, &times).await).await), "date", "booking {date}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1);
}
