//! Clients: validation per field, search, edit, delete, and no way into another practice's.

use app::clients::api::{DeleteClient, DeletionPreview, GetClient, ListClients, UpdateClient};
use app::journal::api::CreateJournalEntry;
use app::server::envelope;
use leptos::server_fn::ServerFn as _;
use serde_json::Value;
use sqlx::Row;

use crate::helpers::{TestApp, error_of, fields, spawn_app};

const OWNER: &str = "kari@example.no";

async fn names(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<String> {
    let list: Vec<Value> = app.call_with(client, ListClients::PATH, &[("query", query)]).await.json().await.unwrap();
    list.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn bad_input_is_named_per_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let response = app
        .try_create_client(&app.client, &[("email", "ola@"), ("phone", "ring meg"), ("birth_date", "2001-02-29")])
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(fields(&error_of(response).await), ["name", "email", "phone", "birth_date"]);
    let future = app.try_create_client(&app.client, &[("name", "Ola"), ("birth_date", "2199-01-01")]).await;
    assert_eq!(error_of(future).await["Validation"][0]["problem"], "DateInFuture");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

#[tokio::test]
async fn clients_are_created_found_edited_and_deleted() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = app
        .create_client(
            &app.client,
            &[
                ("name", "Ola Nordmann"),
                ("email", "Ola@Example.no"),
                ("phone", "+47 912 34 567"),
                ("birth_date", "1985-04-12"),
                ("notes", "Første time i mars."),
            ],
        )
        .await;
    app.create_client(&app.client, &[("name", "Siri 100% Hansen")]).await;
    app.create_client(&app.client, &[("name", "Anne Berg"), ("phone", "22 33 44 55")]).await;

    assert_eq!(names(&app, &app.client, "").await, ["Anne Berg", "Ola Nordmann", "Siri 100% Hansen"]);
    assert_eq!(names(&app, &app.client, "NORD").await, ["Ola Nordmann"], "case does not matter");
    assert_eq!(names(&app, &app.client, "ola@example").await, ["Ola Nordmann"], "by email");
    assert_eq!(names(&app, &app.client, "22 33").await, ["Anne Berg"], "by phone");
    assert_eq!(names(&app, &app.client, "100%").await, ["Siri 100% Hansen"], "% is a letter, not a wildcard");
    assert_eq!(names(&app, &app.client, "_").await, Vec::<String>::new());

    let client: Value = app.call(GetClient::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(client["email"], "ola@example.no");
    assert_eq!(client["birth_date"], "1985-04-12");
    assert_eq!(client["notes"], "Første time i mars.");
    let page = app.get(&format!("/clients/{id}")).await.text().await.unwrap();
    assert!(page.contains("Ola Nordmann") && page.contains("+47 912 34 567"));
    assert!(page.contains("<title>Client · Trygg</title>"), "the tab title carries no client name");

    let form = [
        ("id", id.as_str()),
        ("name", "Ola N. Nordmann"),
        ("email", ""),
        ("phone", ""),
        ("birth_date", ""),
        ("address", "Storgata 1\n0155 Oslo"),
        ("notes", "Prefers mornings."),
    ];
    assert_eq!(app.call(UpdateClient::PATH, &form).await.status(), 200);
    let client: Value = app.call(GetClient::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!((client["name"].as_str(), client["email"].as_str()), (Some("Ola N. Nordmann"), Some("")));
    assert_eq!(client["address"], "Storgata 1\n0155 Oslo");
    assert_eq!(client["notes"], "Prefers mornings.");
    // The profile and the notes are sealed with the client's key: the raw row holds no plaintext.
    let row = sqlx::query("SELECT profile_sealed, notes_sealed FROM clients WHERE id = $1")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let (profile, notes): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
    assert!(envelope::is_client_sealed(&notes) && !notes.windows(8).any(|w| w == b"mornings"));
    assert!(envelope::is_client_sealed(&profile) && !profile.windows(8).any(|w| w == b"Nordmann"));

    let deleted = app.call(DeleteClient::PATH, &[("id", &id)]).await;
    assert_eq!(deleted.headers()["location"], "/clients?deleted=1");
    assert_eq!(app.call(GetClient::PATH, &[("id", &id)]).await.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 2);
}

#[tokio::test]
async fn another_practice_reaches_none_of_the_clients() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = app.create_client(&app.client, &[("name", "Ola Nordmann")]).await;
    let other = app.other_practitioner("per@example.no").await;

    assert!(names(&app, &other, "").await.is_empty());
    assert_eq!(app.call_with(&other, GetClient::PATH, &[("id", &id)]).await.status(), 404);
    let form = [
        ("id", id.as_str()),
        ("name", "Taken over"),
        ("email", ""),
        ("phone", ""),
        ("birth_date", ""),
        ("address", ""),
        ("notes", ""),
    ];
    assert_eq!(app.call_with(&other, UpdateClient::PATH, &form).await.status(), 404);
    assert_eq!(app.call_with(&other, DeleteClient::PATH, &[("id", &id)]).await.status(), 404);
    let page = other.get(app.url(&format!("/clients/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Ola Nordmann"));
    let client: Value = app.call(GetClient::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(client["name"], "Ola Nordmann", "unchanged");

    let stranger = crate::helpers::browser(&app.base);
    assert_eq!(app.call_with(&stranger, ListClients::PATH, &[("query", "")]).await.status(), 401);
}

#[tokio::test]
async fn deleting_is_named_first_with_what_goes_and_only_within_the_practice() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = app.create_client(&app.client, &[("name", "Ingrid Berg")]).await;
    for (date, title) in [("2025-01-10", "Første"), ("2025-01-17", "Andre")] {
        let form = [("client_id", id.as_str()), ("date", date), ("title", title), ("text", "Notat.")];
        assert_eq!(app.call(CreateJournalEntry::PATH, &form).await.status(), 200);
    }
    let preview: Value = app.call(DeletionPreview::PATH, &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(preview["name"], "Ingrid Berg");
    assert_eq!(
        (preview["counts"]["journal_entries"].as_i64(), preview["counts"]["appointments"].as_i64()),
        (Some(2), Some(0))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1, "looking changes nothing");

    let other = app.other_practitioner("per@example.no").await;
    let refused = app.call_with(&other, DeletionPreview::PATH, &[("id", &id)]).await;
    assert_eq!(refused.status(), 404);
    let page = app.get(&format!("/clients/{id}/delete")).await.text().await.unwrap();
    assert!(page.contains("Delete Ingrid Berg?") && page.contains("2 journal entries"), "{page}");
    let theirs = other.get(app.url(&format!("/clients/{id}/delete"))).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("Ingrid Berg"));
}

/// A client page for an id the practice does not have answers 404 on the server's rendering:
/// the profile, its edit and delete pages, and a journal entry's page.
#[tokio::test]
async fn a_client_page_that_leads_nowhere_is_a_404() {
    let app = spawn_app().await;
    app.signed_in_user(OWNER).await;
    let id = app.create_client(&app.client, &[("name", "Ola Nordmann")]).await;
    assert_eq!(app.get(&format!("/clients/{id}")).await.status(), 200);
    let other = app.other_practitioner("per@example.no").await;
    for path in [
        format!("/clients/{id}"),
        format!("/clients/{id}/edit"),
        format!("/clients/{id}/delete"),
        format!("/clients/{id}/journal/1"),
        "/clients/999999".into(),
    ] {
        let page = other.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), 404, "{path}");
        assert!(!page.text().await.unwrap().contains("Ola Nordmann"), "{path}");
    }
}
