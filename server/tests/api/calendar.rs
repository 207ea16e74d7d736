//! The calendar: opening hours, conflicts, moves and cancellations, and every calendar, service
//! and hours endpoint tried from a second practice.

use app::calendar::api::{
    AppointmentSummary, CalendarWeek, CancelAppointment, CreateAppointment, GetAppointment, UndoCancel,
    UpdateAppointment,
};
use app::services::api::{CreateService, DeleteService, ListServices, OpeningHours, SetOpeningHours};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::helpers::{TestApp, error_of, fields, spawn_app, validation};

const OWNER: &str = "kari@example.no";
/// A Monday (1 January 2030 is a Tuesday).
const MONDAY: &str = "2030-01-07";
const SATURDAY: &str = "2030-01-12";

pub struct Practice {
    pub client: String,
    pub service: String,
}

/// A practice open Monday to Friday 08–16, with one client and a 50-minute service.
pub async fn practice(app: &TestApp, browser: &reqwest::Client) -> Practice {
    let mut hours = Vec::new();
    for day in 0..5 {
        hours.push((format!("hours[d{day}_open]"), "on".to_string()));
        hours.push((format!("hours[d{day}_from]"), "08:00".to_string()));
        hours.push((format!("hours[d{day}_to]"), "16:00".to_string()));
    }
    let form: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let set = app.call_with(browser, SetOpeningHours::PATH, &form).await;
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
    let service = [("name", "Samtale"), ("duration", "50"), ("price", "850")];
    assert_eq!(app.call_with(browser, CreateService::PATH, &service).await.status(), 200);
    let services: Vec<Value> = app.call_with(browser, ListServices::PATH, &[]).await.json().await.unwrap();
    let client = app.create_client(browser, &[("name", "Ola Nordmann")]).await;
    Practice { client, service: services[0]["id"].to_string() }
}

async fn book(app: &TestApp, browser: &reqwest::Client, p: &Practice, date: &str, time: &str) -> reqwest::Response {
    let form =
        [("client_id", p.client.as_str()), ("service_id", &p.service), ("date", date), ("time", time), ("notes", "")];
    app.call_with(browser, CreateAppointment::PATH, &form).await
}

async fn problem(response: reqwest::Response, field: &str) -> String {
    assert_eq!(response.status(), 422);
    let error = error_of(response).await;
    let found = validation(&error).into_iter().find(|(f, _)| f == field);
    found.unwrap_or_else(|| panic!("no {field} in {error}")).1.as_str().unwrap_or_default().to_string()
}

async fn week(app: &TestApp, browser: &reqwest::Client, date: &str) -> Value {
    app.call_with(browser, CalendarWeek::PATH, &[("date", date)]).await.json().await.unwrap()
}

#[tokio::test]
async fn appointments_fit_the_opening_hours_and_never_overlap() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;

    let booked = book(&app, &app.client, &p, MONDAY, "09:00").await;
    assert_eq!(booked.headers()["location"], format!("/calendar?date={MONDAY}"));
    let view = week(&app, &app.client, MONDAY).await;
    assert_eq!(view["monday"], MONDAY);
    assert!(view["now"].is_null(), "no current-time line in a week that is not this one");
    let this_week = week(&app, &app.client, "").await;
    let now = this_week["now"].as_array().expect("the current-time line in this week");
    assert!(now[0].as_i64().unwrap() < 7 && now[1].as_i64().unwrap() < 24 * 60);
    assert_eq!(this_week["days"][now[0].as_u64().unwrap() as usize]["today"], true);
    let appointment = &view["appointments"][0];
    assert_eq!((appointment["day"].as_i64(), appointment["start_minute"].as_i64()), (Some(0), Some(540)));
    assert_eq!(appointment["end_minute"], 590);
    assert_eq!(appointment["client_name"], "Ola Nordmann");
    assert_eq!(appointment["service_name"], "Samtale");

    assert_eq!(problem(book(&app, &app.client, &p, MONDAY, "09:30").await, "time").await, "TimeTaken");
    assert_eq!(problem(book(&app, &app.client, &p, MONDAY, "08:20").await, "time").await, "TimeTaken");
    assert_eq!(book(&app, &app.client, &p, MONDAY, "09:50").await.status(), 200, "back to back is fine");
    assert_eq!(problem(book(&app, &app.client, &p, MONDAY, "07:30").await, "time").await, "OutsideOpeningHours");
    assert_eq!(problem(book(&app, &app.client, &p, MONDAY, "15:30").await, "time").await, "OutsideOpeningHours");
    assert_eq!(problem(book(&app, &app.client, &p, SATURDAY, "10:00").await, "time").await, "OutsideOpeningHours");
    assert_eq!(problem(book(&app, &app.client, &p, "2030-02-30", "10:00").await, "date").await, "InvalidDate");
    assert_eq!(problem(book(&app, &app.client, &p, MONDAY, "9").await, "time").await, "InvalidTime");
    let nobody = [("client_id", ""), ("service_id", ""), ("date", MONDAY), ("time", "12:00"), ("notes", "")];
    let error = error_of(app.call(CreateAppointment::PATH, &nobody).await).await;
    assert_eq!(error["Validation"].as_array().unwrap().len(), 2, "client and service both named: {error}");
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 2, "nothing refused was stored");
}

#[tokio::test]
async fn the_same_time_booked_in_parallel_is_taken_once() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    let attempts = (0..6).map(|_| book(&app, &app.client, &p, MONDAY, "11:00"));
    let results = futures::future::join_all(attempts).await;
    assert_eq!(results.iter().filter(|r| r.status() == 200).count(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 1);
}

#[tokio::test]
async fn appointments_are_edited_moved_and_cancelled() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    book(&app, &app.client, &p, MONDAY, "13:00").await;
    let view = week(&app, &app.client, MONDAY).await;
    let first = view["appointments"][0]["id"].to_string();
    let second = view["appointments"][1]["id"].to_string();

    let moved = [
        ("id", first.as_str()),
        ("client_id", &p.client),
        ("service_id", &p.service),
        ("date", "2030-01-08"),
        ("time", "10:00"),
        ("notes", "Moved at the client's wish."),
    ];
    assert_eq!(app.call(UpdateAppointment::PATH, &moved).await.status(), 200);
    let detail: Value = app.call(GetAppointment::PATH, &[("id", &first)]).await.json().await.unwrap();
    assert_eq!((detail["date"].as_str(), detail["time"].as_str()), (Some("2030-01-08"), Some("10:00")));
    assert_eq!(detail["notes"], "Moved at the client's wish.");

    let onto_first = [
        ("id", second.as_str()),
        ("client_id", &p.client),
        ("service_id", &p.service),
        ("date", "2030-01-08"),
        ("time", "10:30"),
        ("notes", ""),
    ];
    assert_eq!(problem(app.call(UpdateAppointment::PATH, &onto_first).await, "time").await, "TimeTaken");
    let detail: Value = app.call(GetAppointment::PATH, &[("id", &second)]).await.json().await.unwrap();
    assert_eq!(detail["time"], "13:00", "a refused move changes nothing");

    let cancelled = app.call(CancelAppointment::PATH, &[("id", &first)]).await;
    assert_eq!(cancelled.headers()["location"], format!("/calendar?date=2030-01-08&cancelled={first}").as_str());
    assert_eq!(app.call(UpdateAppointment::PATH, &onto_first).await.status(), 200, "the cancelled time is free");
    assert_eq!(app.call(CancelAppointment::PATH, &[("id", &first)]).await.status(), 404, "cancelled once");
    let view = week(&app, &app.client, "2030-01-08").await;
    assert_eq!(view["appointments"].as_array().unwrap().len(), 1);
}

async fn booked_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM appointments WHERE status = 'booked'").await
}

#[tokio::test]
async fn a_cancellation_can_be_undone_for_a_minute_while_the_time_is_free() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    let id = week(&app, &app.client, MONDAY).await["appointments"][0]["id"].to_string();

    assert_eq!(app.call(CancelAppointment::PATH, &[("id", &id)]).await.status(), 200);
    app.clock.advance(50);
    let undone = app.call(UndoCancel::PATH, &[("id", &id)]).await;
    assert_eq!(undone.headers()["location"], format!("/calendar?date={MONDAY}").as_str());
    assert_eq!(booked_count(&app).await, 1, "booked again");
    assert_eq!(app.call(UndoCancel::PATH, &[("id", &id)]).await.status(), 409, "nothing left to undo");

    // Another practice cannot undo ours.
    assert_eq!(app.call(CancelAppointment::PATH, &[("id", &id)]).await.status(), 200);
    let other = app.other_practitioner("per@example.no").await;
    assert_eq!(app.call_with(&other, UndoCancel::PATH, &[("id", &id)]).await.status(), 409);
    assert_eq!(booked_count(&app).await, 0);

    // A minute later it is too late.
    app.clock.advance(61);
    let late = app.call(UndoCancel::PATH, &[("id", &id)]).await;
    assert_eq!(late.status(), 409);
    assert_eq!(error_of(late).await["Conflict"], "UndoExpired");
    assert_eq!(booked_count(&app).await, 0);

    // Within the minute, but someone took the time: refused, nothing double-booked.
    book(&app, &app.client, &p, MONDAY, "10:00").await;
    let second = week(&app, &app.client, MONDAY).await["appointments"][0]["id"].to_string();
    assert_eq!(app.call(CancelAppointment::PATH, &[("id", &second)]).await.status(), 200);
    book(&app, &app.client, &p, MONDAY, "10:00").await;
    let taken = app.call(UndoCancel::PATH, &[("id", &second)]).await;
    assert_eq!(error_of(taken).await["Conflict"], "TimeTaken");
    assert_eq!(booked_count(&app).await, 1);
}

#[tokio::test]
async fn another_practice_reaches_nothing_through_any_calendar_endpoint() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    let id = week(&app, &app.client, MONDAY).await["appointments"][0]["id"].to_string();

    let other = app.other_practitioner("per@example.no").await;
    let theirs = practice(&app, &other).await;
    let view = week(&app, &other, MONDAY).await;
    assert!(view["appointments"].as_array().unwrap().is_empty(), "{view}");
    assert_eq!(app.call_with(&other, GetAppointment::PATH, &[("id", &id)]).await.status(), 404);
    let take_over = [
        ("id", id.as_str()),
        ("client_id", &theirs.client),
        ("service_id", &theirs.service),
        ("date", MONDAY),
        ("time", "12:00"),
        ("notes", ""),
    ];
    assert_eq!(app.call_with(&other, UpdateAppointment::PATH, &take_over).await.status(), 404);
    assert_eq!(app.call_with(&other, CancelAppointment::PATH, &[("id", &id)]).await.status(), 404);
    // Their own booking may not use our client or our service.
    let with_our_client = Practice { client: p.client.clone(), service: theirs.service.clone() };
    assert_eq!(problem(book(&app, &other, &with_our_client, MONDAY, "12:00").await, "client_id").await, "Required");
    let with_our_service = Practice { client: theirs.client.clone(), service: p.service.clone() };
    assert_eq!(problem(book(&app, &other, &with_our_service, MONDAY, "12:00").await, "service_id").await, "Required");
    // Their calendar is their own: our 09:00 does not block theirs.
    assert_eq!(book(&app, &other, &theirs, MONDAY, "09:00").await.status(), 200);

    let services: Vec<Value> = app.call_with(&other, ListServices::PATH, &[]).await.json().await.unwrap();
    assert_eq!(services.len(), 1);
    assert_ne!(services[0]["id"].to_string(), p.service);
    assert_eq!(app.call_with(&other, DeleteService::PATH, &[("id", &p.service)]).await.status(), 404);
    let closed = [("hours[d0_from]", "08:00")];
    assert_eq!(app.call_with(&other, SetOpeningHours::PATH, &closed).await.status(), 200, "sets only their own week");
    let ours: Vec<Value> = app.call(OpeningHours::PATH, &[]).await.json().await.unwrap();
    assert_eq!(ours[0]["open"], serde_json::json!([480, 960]), "our hours are untouched");

    let detail: Value = app.call(GetAppointment::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!((detail["time"].as_str(), detail["cancelled"].as_bool()), (Some("09:00"), Some(false)));
    let stranger = crate::helpers::browser(&app.base);
    for function in [CalendarWeek::PATH, ListServices::PATH, OpeningHours::PATH, GetAppointment::PATH] {
        let status = app.call_with(&stranger, function, &[("date", MONDAY), ("id", &id)]).await.status();
        assert_eq!(status, 401, "{function}");
    }
}

#[tokio::test]
async fn opening_hours_and_services_are_checked_per_field() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let bad = [
        ("hours[d0_open]", "on"),
        ("hours[d0_from]", "16:00"),
        ("hours[d0_to]", "08:00"),
        ("hours[d1_open]", "on"),
        ("hours[d1_from]", "nine"),
    ];
    let error = error_of(app.call(SetOpeningHours::PATH, &bad).await).await;
    assert_eq!(fields(&error), ["d0_to", "d1_from"]);
    let service = [("name", ""), ("duration", "7"), ("price", "a lot")];
    let error = error_of(app.call(CreateService::PATH, &service).await).await;
    assert_eq!(validation(&error).len(), 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM services").await + app.count("SELECT COUNT(*) FROM opening_hours").await,
        0
    );
}

#[tokio::test]
async fn an_appointments_summary_is_the_practices_own_and_its_reading_is_logged() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    let id = week(&app, &app.client, MONDAY).await["appointments"][0]["id"].to_string();
    let reads = "SELECT COUNT(*) FROM practice_audit WHERE action = 'appointment.read'";

    let summary: Value = app.call(AppointmentSummary::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(summary["client_name"], "Ola Nordmann");
    assert_eq!(summary["client_id"].to_string(), p.client);
    assert_eq!(summary["service_name"], "Samtale");
    assert_eq!((summary["date"].as_str(), summary["start_minute"].as_i64()), (Some(MONDAY), Some(540)));
    assert_eq!(summary["end_minute"], 590);
    assert_eq!(summary["consent"], "NotAsked");
    assert_eq!(summary["online"], false);
    assert!(COLOURS.contains(&summary["colour"].as_str().unwrap()), "{summary}");
    assert_eq!(app.count(reads).await, 1, "the read is in the practice's audit log");
    let logged = app
        .count(&format!(
            "SELECT COUNT(*) FROM practice_audit WHERE action = 'appointment.read' AND client_id = {} AND record_id = {id}",
            p.client
        ))
        .await;
    assert_eq!(logged, 1, "with the client and the appointment");

    // Another practice's practitioner, and a stranger, learn nothing, and nothing is logged.
    let other = app.other_practitioner("per@example.no").await;
    let refused = app.call_with(&other, AppointmentSummary::PATH, &[("id", &id)]).await;
    assert_eq!(refused.status(), 404);
    assert!(!refused.text().await.unwrap().contains("Ola"));
    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, AppointmentSummary::PATH, &[("id", &id)]).await.status(), 401);
    assert_eq!(app.count(reads).await, 1);
}

/// The palette as the service form offers it.
pub const COLOURS: [&str; 8] = ["teal", "blue", "violet", "rose", "amber", "green", "slate", "coral"];

#[tokio::test]
async fn services_take_a_colour_of_the_palette_and_the_calendar_shows_it() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    let rose = [("name", "Parterapi"), ("duration", "90"), ("price", ""), ("colour", "rose")];
    assert_eq!(app.call(CreateService::PATH, &rose).await.status(), 200);
    let odd = [("name", "Veiledning"), ("duration", "60"), ("price", ""), ("colour", "url(x)")];
    assert_eq!(problem(app.call(CreateService::PATH, &odd).await, "colour").await, "NotAllowedValue");
    let services: Vec<Value> = app.call(ListServices::PATH, &[]).await.json().await.unwrap();
    let colour_of = |name: &str| services.iter().find(|s| s["name"] == name).unwrap()["colour"].clone();
    assert_eq!(colour_of("Parterapi"), "rose");
    assert_eq!(colour_of("Samtale"), "teal", "the first without a choice takes the first free colour");
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    let view = week(&app, &app.client, MONDAY).await;
    assert_eq!(view["appointments"][0]["colour"], "teal");
    assert_eq!(view["appointments"][0]["consent_missing"], true);
}

#[tokio::test]
async fn the_calendar_shows_a_week_three_days_or_a_day() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, "2030-01-09", "09:00").await;
    let view = |mode: &'static str| {
        let app = &app;
        async move {
            let answer: Value =
                app.call(CalendarWeek::PATH, &[("date", "2030-01-09"), ("view", mode)]).await.json().await.unwrap();
            answer
        }
    };
    let dates = |v: &Value| {
        v["days"].as_array().unwrap().iter().map(|d| d["date"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let week = view("week").await;
    assert_eq!(dates(&week).len(), 7);
    assert_eq!(dates(&week)[0], MONDAY);
    assert_eq!(week["appointments"][0]["day"], 2);
    let three = view("3days").await;
    assert_eq!(dates(&three), ["2030-01-09", "2030-01-10", "2030-01-11"]);
    assert_eq!(three["appointments"][0]["day"], 0);
    let day = view("day").await;
    assert_eq!(dates(&day), ["2030-01-09"]);
    let auto = view("").await;
    let in_three: Vec<bool> =
        auto["days"].as_array().unwrap().iter().map(|d| d["in_three"].as_bool().unwrap()).collect();
    assert_eq!(in_three, [false, false, true, true, true, false, false]);
    let sunday: Value =
        app.call(CalendarWeek::PATH, &[("date", "2030-01-13"), ("view", "3days")]).await.json().await.unwrap();
    assert_eq!(dates(&sunday), ["2030-01-13", "2030-01-14", "2030-01-15"], "three days run into the next week");
}

#[tokio::test]
async fn a_client_typed_by_name_is_found_while_names_are_hidden() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    app.create_client(&app.client, &[("name", "Ola Berg")]).await;
    let by_name = |name: &'static str, time: &'static str| {
        [
            ("client_id", ""),
            ("client_name", name),
            ("service_id", p.service.as_str()),
            ("date", MONDAY),
            ("time", time),
            ("notes", ""),
        ]
    };
    assert_eq!(
        problem(app.call(CreateAppointment::PATH, &by_name("Ola", "09:00")).await, "client_id").await,
        "SeveralClientsMatch"
    );
    assert_eq!(
        problem(app.call(CreateAppointment::PATH, &by_name("Eva", "09:00")).await, "client_id").await,
        "NoClientMatches"
    );
    assert_eq!(app.call(CreateAppointment::PATH, &by_name("ola nordmann", "09:00")).await.status(), 200);
    assert_eq!(app.call(CreateAppointment::PATH, &by_name("Berg", "10:00")).await.status(), 200);
    let view = week(&app, &app.client, MONDAY).await;
    let names: Vec<&str> =
        view["appointments"].as_array().unwrap().iter().map(|a| a["client_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ola Nordmann", "Ola Berg"]);
    // Another practice's client is not found by name either.
    let other = app.other_practitioner("per@example.no").await;
    let theirs = practice(&app, &other).await;
    let form = [
        ("client_id", ""),
        ("client_name", "Ola Berg"),
        ("service_id", theirs.service.as_str()),
        ("date", MONDAY),
        ("time", "11:00"),
        ("notes", ""),
    ];
    assert_eq!(
        problem(app.call_with(&other, CreateAppointment::PATH, &form).await, "client_id").await,
        "NoClientMatches"
    );
}

/// An appointment's summary and edit pages for an id the practice does not have answer 404 on
/// the server's rendering.
#[tokio::test]
async fn an_appointment_page_that_leads_nowhere_is_a_404() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    book(&app, &app.client, &p, MONDAY, "09:00").await;
    let id = week(&app, &app.client, MONDAY).await["appointments"][0]["id"].to_string();
    assert_eq!(app.get(&format!("/calendar/appointments/{id}")).await.status(), 200);
    let other = app.other_practitioner("per@example.no").await;
    for path in [format!("/calendar/appointments/{id}"), format!("/calendar/appointments/{id}/edit")] {
        let page = other.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), 404, "{path}");
        assert!(!page.text().await.unwrap().contains("Ola Nordmann"), "{path}");
    }
    assert_eq!(app.get("/calendar/appointments/999999/edit").await.status(), 404);
}
