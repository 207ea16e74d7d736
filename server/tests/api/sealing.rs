//! Everything that names a client is sealed: a copy of the database (the SQLite file with its
//! WAL, or a `pg_dump`) reads out no name, e-mail, phone, address, birth date or note, while the
//! app still finds, shows and books them. And a database of an older version, with those values
//! in plaintext, is sealed at start and its plaintext columns dropped.

use app::booking::api::{Book, BookingAddress, BookingPage};
use app::calendar::api::{CalendarWeek, CreateAppointment};
use app::clients::api::{DeleteClient, GetClient, ListClients, UpdateClient};
use app::consent::api::{ConsentTemplates, SendConsent};
use app::ids::{ClientId, PracticeId, UserId};
use app::journal::api::CreateJournalEntry;
use app::server::sessions::{CurrentUser, Role};
use leptos::server_fn::ServerFn as _;
use serde_json::Value;

use crate::calendar::practice;
use crate::helpers::{
    PHONE_SAFARI, TestApp, browser_with_agent, private_temp_dir, spawn_another_instance, spawn_app, spawn_app_with,
};

const OWNER: &str = "kari@example.no";
const NAME: &str = "Zyx-Unique-Name-123";
const EMAIL: &str = "zyx.unique.mail@example.no";
const PHONE: &str = "+47 404 55 667";
const ADDRESS: &str = "Zyxveien 77, 0155 Oslo";
const BIRTH_DATE: &str = "1987-06-05";
const CLIENT_NOTE: &str = "Zyx-client-note: henvist fra fastlegen";
const APPOINTMENT_NOTE: &str = "Zyx-Med-partner";
const JOURNAL: &str = "Zyx-journal: sover bedre";
const BOOKER: &str = "Qwv-Booker-Name-456";
const BOOKER_EMAIL: &str = "qwv.booker.mail@example.no";
const BOOKER_PHONE: &str = "+47 911 22 334";
const BOOKER_NOTE: &str = "Qwv-booking-IP";

/// Every identifying string, as typed, and the lower-case forms search compares.
fn needles() -> Vec<String> {
    let typed = [
        NAME,
        EMAIL,
        PHONE,
        ADDRESS,
        BIRTH_DATE,
        CLIENT_NOTE,
        APPOINTMENT_NOTE,
        JOURNAL,
        BOOKER,
        BOOKER_EMAIL,
        BOOKER_PHONE,
        BOOKER_NOTE,
    ];
    let mut all: Vec<String> = typed.iter().map(|s| s.to_string()).collect();
    all.extend([NAME.to_lowercase(), BOOKER.to_lowercase(), "zyx-unique".into(), "qwv-booker".into()]);
    all.extend(["404 55 667".into(), "911 22 334".into(), "Zyxveien".into(), "zyx.unique".into()]);
    all
}

/// Fills every feature with the strings above, through the app as a practitioner and a booker.
async fn fill(app: &TestApp) -> String {
    app.signed_in_user(OWNER).await;
    let p = practice(app, &app.client).await;
    let id = app
        .create_client(
            &app.client,
            &[
                ("name", NAME),
                ("email", EMAIL),
                ("phone", PHONE),
                ("birth_date", BIRTH_DATE),
                ("address", ADDRESS),
                ("notes", CLIENT_NOTE),
            ],
        )
        .await;
    let form = [
        ("client_id", id.as_str()),
        ("service_id", &p.service),
        ("date", "2030-01-07"),
        ("time", "09:00"),
        ("notes", APPOINTMENT_NOTE),
    ];
    assert_eq!(app.call(CreateAppointment::PATH, &form).await.status(), 200);
    let entry = [("client_id", id.as_str()), ("date", "2025-01-10"), ("title", "Samtale"), ("text", JOURNAL)];
    assert_eq!(app.call(CreateJournalEntry::PATH, &entry).await.status(), 200);
    let templates: Vec<Value> = app.call(ConsentTemplates::PATH, &[]).await.json().await.unwrap();
    let template = templates[0]["id"].to_string();
    let sent = app.call(SendConsent::PATH, &[("client_id", &id), ("template_id", &template)]).await;
    assert_eq!(sent.status(), 200);
    assert_eq!(app.wait_for_mail(EMAIL, 1).await.len(), 1, "the consent mail is in the outbox, opened by the app");

    let url: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let slug = url.rsplit_once("/book/").unwrap().1.to_string();
    let phone = browser_with_agent(&app.base, &format!("{PHONE_SAFARI} {BOOKER_NOTE}"));
    let offer: Value = app.call_with(&phone, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    let date = offer["days"][1][0].as_str().unwrap().to_string();
    let booking = [
        ("slug", slug.as_str()),
        ("service_id", &p.service),
        ("date", &date),
        ("time", "10:00"),
        ("name", BOOKER),
        ("email", BOOKER_EMAIL),
        ("phone", BOOKER_PHONE),
    ];
    assert_eq!(app.call_with(&phone, Book::PATH, &booking).await.status(), 200);
    assert_eq!(app.wait_for_mail(BOOKER_EMAIL, 1).await.len(), 1, "the booker's confirmation");
    id
}

/// Which needles the bytes hold.
pub fn found(bytes: &[u8], needles: &[String]) -> Vec<String> {
    needles.iter().filter(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes())).cloned().collect()
}

/// A copy of the database as an attacker would take it: the SQLite file and its WAL as they lie
/// on disk, or everything `pg_dump` writes out.
pub fn database_copy(app: &TestApp) -> Vec<u8> {
    let url = &app.state.config.database_url;
    if let Some(file) = url.strip_prefix("sqlite://") {
        let path = std::path::PathBuf::from(file.split('?').next().unwrap());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
        bytes
    } else {
        let dump = std::process::Command::new("pg_dump").arg("--dbname").arg(url).output().expect("pg_dump runs");
        assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
        dump.stdout
    }
}

#[tokio::test]
async fn a_copy_of_the_database_reads_out_nothing_about_a_client() {
    let app = spawn_app().await;
    let id = fill(&app).await;
    let copy = database_copy(&app);
    // The scan works: the copy does hold what is not sealed (the practice's name, the service).
    assert_eq!(found(&copy, &["Samtale".to_string(), OWNER.to_string()]).len(), 2, "the scan reads the copy");
    assert_eq!(found(&copy, &needles()), Vec::<String>::new());

    // And the app still reads it all.
    let client: Value = app.call(GetClient::PATH, &[("id", &id)]).await.json().await.unwrap();
    let shown = [&client["name"], &client["email"], &client["phone"], &client["address"], &client["notes"]];
    assert_eq!(shown.map(|v| v.as_str().unwrap()), [NAME, EMAIL, PHONE, ADDRESS, CLIENT_NOTE]);
    assert_eq!(client["birth_date"], BIRTH_DATE);
    for query in ["zyx-UNIQUE", "unique.mail@", "404 55", "qwv-booker"] {
        let list: Vec<Value> = app.call(ListClients::PATH, &[("query", query)]).await.json().await.unwrap();
        assert_eq!(list.len(), 1, "{query}");
    }
    let week: Value = app.call(CalendarWeek::PATH, &[("date", "2030-01-07")]).await.json().await.unwrap();
    let appointment = &week["appointments"][0];
    assert_eq!(
        (appointment["client_name"].as_str(), appointment["notes"].as_str()),
        (Some(NAME), Some(APPOINTMENT_NOTE))
    );
}

#[tokio::test]
async fn a_booking_by_a_known_name_and_email_lands_on_that_client_and_a_stranger_gets_a_new_one() {
    let app = spawn_app().await;
    fill(&app).await;
    let clients = |query: &'static str| {
        let app = &app;
        async move {
            let list: Vec<Value> = app.call(ListClients::PATH, &[("query", query)]).await.json().await.unwrap();
            list
        }
    };
    let url: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let slug = url.rsplit_once("/book/").unwrap().1.to_string();
    let phone = browser_with_agent(&app.base, PHONE_SAFARI);
    let offer: Value = app.call_with(&phone, BookingPage::PATH, &[("slug", &slug)]).await.json().await.unwrap();
    let service = offer["services"][0]["id"].to_string();
    let date = offer["days"][2][0].as_str().unwrap().to_string();
    let book = |name: &'static str, email: &'static str, time: &'static str| {
        let (app, phone, slug, service, date) = (&app, &phone, &slug, &service, &date);
        async move {
            let form = [
                ("slug", slug.as_str()),
                ("service_id", service),
                ("date", date),
                ("time", time),
                ("name", name),
                ("email", email),
                ("phone", ""),
            ];
            app.call_with(phone, Book::PATH, &form).await.status()
        }
    };
    // The same person again, typed in other case: the same client.
    assert_eq!(book(" qwv-booker-name-456 ", "QWV.booker.mail@example.no", "11:00").await, 200);
    assert_eq!(clients("qwv").await.len(), 1);
    // Someone else with that e-mail address: a client of their own.
    assert_eq!(book("Another Person", BOOKER_EMAIL, "12:00").await, 200);
    let both = clients("qwv.booker").await;
    assert_eq!(both.len(), 2, "{both:?}");
}

/// A database of the version before sealing: the plaintext columns filled, as it had them.
async fn old_database(url: &str) -> (PracticeId, ClientId) {
    let db = app::server::db::connect(url).await.unwrap();
    let practice: PracticeId =
        sqlx::query_scalar("INSERT INTO practices (name, created_at) VALUES ('Klinikk Gammel', 0) RETURNING id")
            .fetch_one(&db)
            .await
            .unwrap();
    let client: ClientId = sqlx::query_scalar(
        "INSERT INTO clients (practice_id, name, email, phone, birth_date, address, notes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0) RETURNING id",
    )
    .bind(practice)
    .bind(NAME)
    .bind(EMAIL)
    .bind(PHONE)
    .bind(BIRTH_DATE)
    .bind(ADDRESS)
    .bind(CLIENT_NOTE)
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO appointments (practice_id, client_id, starts_at, ends_at, notes, created_at)
         VALUES ($1, $2, 1893999600, 1894002600, $3, 0)",
    )
    .bind(practice)
    .bind(client)
    .bind(APPOINTMENT_NOTE)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, 'Samtykke', $2, 0)")
        .bind(EMAIL)
        .bind(format!("Hei {NAME}"))
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    (practice, client)
}

#[tokio::test]
async fn an_older_database_is_sealed_at_start_and_its_plaintext_columns_dropped() {
    let temp = private_temp_dir("upgrade");
    let url = crate::helpers::fresh_database(&temp.0).await;
    let (practice_id, client_id) = old_database(&url).await;

    let app = spawn_app_with(|config| config.database_url = url.clone()).await;
    let user = CurrentUser {
        user_id: UserId(0),
        practice_id,
        email: OWNER.into(),
        name: "Kari".into(),
        practice_name: "Klinikk Gammel".into(),
        session_id: 0,
        password_confirmed_at: 0,
        idle_timeout_secs: 86_400,
        role: Role::Practitioner,
    };
    let client = app::clients::service::get(&app.state, &user, client_id).await.unwrap();
    assert_eq!(
        [client.name, client.email, client.phone, client.birth_date, client.address, client.notes],
        [NAME, EMAIL, PHONE, BIRTH_DATE, ADDRESS, CLIENT_NOTE]
    );
    let found_by_search = app::clients::service::directory(&app.state, practice_id).await.unwrap();
    assert_eq!(found_by_search.search("zyx", 10).len(), 1);
    let appointment: i64 = app.count("SELECT MAX(id) FROM appointments").await;
    let overview = app::calendar::service::summary(&app.state, &user, appointment).await.unwrap();
    assert_eq!((overview.client_name.as_str(), overview.notes.as_str()), (NAME, APPOINTMENT_NOTE));
    assert!(app.mails_to(EMAIL).await.is_empty(), "the old plaintext copy of the client's mail is gone");

    let columns: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE name <> ''").fetch_one(&app.state.db).await;
    assert!(columns.is_err(), "the plaintext columns are dropped");
    assert_eq!(found(&database_copy(&app), &needles()), Vec::<String>::new());

    // A second start finds nothing left to do and changes nothing.
    let again = app::upgrade::seal_plaintext(&app.state.db, &app.state.master_key).await.unwrap();
    assert_eq!(again, Default::default());
    drop(temp);
}

/// The names `instance` lists for `query`.
async fn names(instance: &TestApp, query: &str) -> Vec<String> {
    let list: Vec<Value> = instance.call(ListClients::PATH, &[("query", query)]).await.json().await.unwrap();
    list.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_second_server_lists_at_once_what_the_first_changed() {
    let a = spawn_app().await;
    a.signed_in_user(OWNER).await;
    let b = spawn_another_instance(&a).await;
    let ola = a.create_client(&a.client, &[("name", "Ola Nordmann")]).await;
    assert_eq!(names(&b, "").await, ["Ola Nordmann"], "B opens the practice's clients");

    let kari = a.create_client(&a.client, &[("name", "Kari Berg")]).await;
    assert_eq!(names(&b, "").await, ["Kari Berg", "Ola Nordmann"], "a new client");
    let rename = [
        ("id", ola.as_str()),
        ("name", "Ola Renamed"),
        ("email", "ola@example.no"),
        ("phone", ""),
        ("birth_date", ""),
        ("address", ""),
        ("notes", ""),
    ];
    assert_eq!(a.call(UpdateClient::PATH, &rename).await.status(), 200);
    assert_eq!(names(&b, "ola@").await, ["Ola Renamed"], "a change");
    assert_eq!(a.call(DeleteClient::PATH, &[("id", &kari)]).await.status(), 200);
    assert_eq!(names(&b, "").await, ["Ola Renamed"], "a deletion");
    assert_eq!(b.call(GetClient::PATH, &[("id", &kari)]).await.status(), 404);
    assert_eq!(names(&a, "").await, ["Ola Renamed"]);
}

#[tokio::test]
async fn another_practice_finds_none_of_the_clients_by_search_or_booking() {
    let app = spawn_app().await;
    fill(&app).await;
    let other = app.other_practitioner("other@example.no").await;
    for query in ["", "zyx", "qwv", "example.no"] {
        let list: Vec<Value> =
            app.call_with(&other, ListClients::PATH, &[("query", query)]).await.json().await.unwrap();
        assert!(list.is_empty(), "{query}: {list:?}");
    }
    assert_eq!(names(&app, "zyx-unique").await, [NAME], "the practice's own search still finds it");
}
