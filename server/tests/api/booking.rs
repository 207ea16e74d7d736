//! The public booking page: free times, a booking that lands in the calendar with a confirmation
//! mail, and the booker's address and browser kept sealed.

use app::booking::api::{Book, BookingAddress, BookingPage, FreeTimes};
use app::booking::service::booker_details_in;
use app::calendar::api::CalendarWeek;
use app::clients::api::ListClients;
use app::server::crypto::Binding;
use app::server::envelope;
use leptos::server_fn::ServerFn as _;
use serde_json::Value;
use sqlx::Row;

use crate::calendar::practice;
use crate::helpers::{PHONE_SAFARI, TestApp, browser_with_agent, error_of, spawn_app, spawn_app_with};

const OWNER: &str = "kari@example.no";
const BOOKER: &str = "ola@example.no";

pub(crate) async fn booking_slug(app: &TestApp) -> String {
    let url: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let (base, slug) = url.rsplit_once("/book/").unwrap();
    assert_eq!(base, app.base);
    slug.to_string()
}

fn book_form<'a>(
    slug: &'a str,
    service: &'a str,
    date: &'a str,
    time: &'a str,
    email: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("slug", slug),
        ("service_id", service),
        ("date", date),
        ("time", time),
        ("name", "Ola Nordmann"),
        ("email", email),
        ("phone", "+47 912 34 567"),
    ]
}

#[tokio::test]
async fn a_client_books_a_free_time_that_lands_in_the_calendar_with_the_origin_sealed() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    let slug = booking_slug(&app).await;
    assert_eq!(slug, "klinikk-nord", "made from the practice name");
    assert_eq!(booking_slug(&app).await, slug, "and kept");

    let phone = browser_with_agent(&app.base, PHONE_SAFARI);
    let page = phone.get(app.url(&format!("/book/{slug}"))).send().await.unwrap();
    assert_eq!(page.status(), 200, "public, no sign-in");
    let offer: Value = app.call_with(&phone, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    assert_eq!(offer["practice_name"], "Klinikk Nord");
    assert_eq!(offer["services"][0]["name"], "Samtale");
    let date = offer["days"][1][0].as_str().unwrap().to_string();
    let times: Vec<String> = app
        .call_with(&phone, FreeTimes::PATH, &[("slug", &slug), ("service_id", &p.service), ("date", &date)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(times.first().map(String::as_str), Some("08:00"));
    assert_eq!(times.last().map(String::as_str), Some("15:00"), "the last that ends by 16:00 (50 minutes)");

    let mut bad = book_form(&slug, &p.service, &date, "09:00", "not-an-email");
    bad.retain(|(k, _)| *k != "name");
    bad.push(("name", ""));
    let error = error_of(app.call_with(&phone, Book::PATH, &bad).await).await;
    assert_eq!(error["Validation"].as_array().unwrap().len(), 2, "{error}");
    let closed = app.call_with(&phone, Book::PATH, &book_form(&slug, &p.service, &date, "07:00", BOOKER)).await;
    assert_eq!(error_of(closed).await["Validation"][0]["problem"], "TimeTaken");
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 0);

    let booked = app.call_with(&phone, Book::PATH, &book_form(&slug, &p.service, &date, "09:00", BOOKER)).await;
    assert_eq!(booked.status(), 200);
    assert_eq!(booked.headers()["location"], format!("/book/{slug}/booked?date={date}&time=09:00"));
    let mail = app.wait_for_subject(BOOKER, "Your appointment at Klinikk Nord", 1).await;
    // The date as people read it in the mail's language ("25 Nov 2026"), not as stored.
    let shown = app::dates::long_date_of(app::i18n::Lang::En, &date);
    assert!(mail[0].contains(&shown) && mail[0].contains("09:00") && mail[0].contains("Samtale"), "{}", mail[0]);

    let week: Value = app.call(CalendarWeek::PATH, &[("date", &date)]).await.json().await.unwrap();
    let appointment = week["appointments"].as_array().unwrap().iter().find(|a| a["start_minute"] == 540).unwrap();
    assert_eq!(
        (appointment["client_name"].as_str(), appointment["online"].as_bool()),
        (Some("Ola Nordmann"), Some(true))
    );
    let times: Vec<String> = app
        .call_with(&phone, FreeTimes::PATH, &[("slug", &slug), ("service_id", &p.service), ("date", &date)])
        .await
        .json()
        .await
        .unwrap();
    for taken in ["08:15", "09:00", "09:45"] {
        assert!(!times.contains(&taken.to_string()), "{taken} overlaps the booking");
    }
    assert!(times.contains(&"08:00".to_string()) && times.contains(&"10:00".to_string()));
    let again =
        app.call_with(&phone, Book::PATH, &book_form(&slug, &p.service, &date, "09:00", "per@example.no")).await;
    assert_eq!(error_of(again).await["Validation"][0]["problem"], "TimeTaken");

    // The raw row holds neither the IP address nor the User-Agent; the client's data key opens them.
    let row =
        sqlx::query("SELECT id, booker_ip, booker_agent FROM appointments").fetch_one(&app.state.db).await.unwrap();
    let (id, ip, agent): (i64, Vec<u8>, Vec<u8>) = (row.get(0), row.get(1), row.get(2));
    assert!(!ip.windows(9).any(|w| w == b"127.0.0.1"));
    assert!(!agent.windows(6).any(|w| w == b"iPhone"));
    assert!(envelope::is_client_sealed(&ip) && envelope::is_client_sealed(&agent), "sealed with the client's key");
    let practice_id: app::ids::PracticeId =
        sqlx::query_scalar("SELECT id FROM practices").fetch_one(&app.state.db).await.unwrap();
    let mut conn = app.state.db.acquire().await.unwrap();
    let details = booker_details_in(&mut conn, &app.state.master_key, practice_id, id).await.unwrap();
    drop(conn);
    assert_eq!(details, Some(("127.0.0.1".to_string(), PHONE_SAFARI.to_string())));
    assert_eq!(app.state.master_key.open(&ip, Binding { purpose: "appointments.booker_ip", row: "x" }).ok(), None);

    let page = app.get(&format!("/calendar?date={date}")).await.text().await.unwrap();
    assert!(page.contains("Ola Nordmann") && !page.contains("127.0.0.1") && !page.contains("iPhone OS"));

    assert_eq!(app.call_with(&phone, BookingPage::PATH, &[("slug", "no-such-practice")]).await.status(), 404);
}

#[tokio::test]
async fn a_common_practice_name_never_runs_out_of_booking_addresses() {
    let app = spawn_app_with(|c| c.session.login_throttle.max_mail_requests_per_ip = 1000).await;
    let mut seen = std::collections::HashSet::new();
    // Every practice here is called "Klinikk Nord": numbered addresses first, then random ones.
    for i in 0..25 {
        app.signed_in_user(&format!("eier{i}@example.no")).await;
        let slug = booking_slug(&app).await;
        assert!(slug.starts_with("klinikk-nord"), "{slug}");
        assert!(seen.insert(slug.clone()), "practice {i} got an address already given: {slug}");
    }
    assert!(seen.contains("klinikk-nord-5"));
}

#[tokio::test]
async fn a_booking_address_that_leads_nowhere_is_a_404() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let slug = booking_slug(&app).await;
    let phone = browser_with_agent(&app.base, PHONE_SAFARI);
    assert_eq!(phone.get(app.url(&format!("/book/{slug}"))).send().await.unwrap().status(), 200);
    for nowhere in ["/book/no-such-practice", "/book/NOT%20A%20SLUG", &format!("/book/{slug}-gone")] {
        let page = phone.get(app.url(nowhere)).send().await.unwrap();
        assert_eq!(page.status(), 404, "{nowhere}");
        assert!(page.text().await.unwrap().contains("There is no booking page at this address."), "{nowhere}");
    }
}

#[tokio::test]
async fn of_many_strangers_booking_one_time_at_once_one_gets_it_and_the_others_leave_no_trace() {
    let app = spawn_app_with(|c| c.session.login_throttle.max_mail_requests_per_ip = 1000).await;
    app.signed_in_user(OWNER).await;
    let p = practice(&app, &app.client).await;
    let slug = booking_slug(&app).await;
    let phone = browser_with_agent(&app.base, PHONE_SAFARI);
    let offer: Value = app.call_with(&phone, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    let date = offer["days"][1][0].as_str().unwrap().to_string();
    let clients_before = app.count("SELECT COUNT(*) FROM clients").await;

    let emails: Vec<String> = (0..8).map(|i| format!("booker{i}@example.no")).collect();
    let attempts = emails.iter().map(|email| {
        let (app, phone, slug, service, date) = (&app, &phone, &slug, &p.service, &date);
        async move {
            let form = book_form(slug, service, date, "10:00", email);
            let answer = app.call_with(phone, Book::PATH, &form).await;
            (answer.status(), email.clone())
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let winners: Vec<&String> = answers.iter().filter(|(status, _)| *status == 200).map(|(_, email)| email).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|(status, _)| *status == 200 || *status == 422), "{answers:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM appointments").await, 1);
    // Only the winner became a client of the practice.
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, clients_before + 1);
    let clients: Value = app.call(ListClients::PATH, &[("query", "booker")]).await.json().await.unwrap();
    let emails: Vec<&str> = clients.as_array().unwrap().iter().map(|c| c["email"].as_str().unwrap()).collect();
    assert_eq!(emails, [winners[0].as_str()]);
}
