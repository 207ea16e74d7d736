//! Settings → Your profile: the practice's details, checked per field, and the data processing
//! agreement made from them as a PDF.

use app::profile::api::{GetProfile, UpdatePractice};
use app::server::pdf::text_of;
use leptos::server_fn::ServerFn as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, spawn_app_with, validation};

const OWNER: &str = "kari@example.no";

async fn agreement(app: &TestApp, client: &reqwest::Client, lang: &str) -> reqwest::Response {
    client.get(app.url(&format!("/settings/profile/agreement.pdf?lang={lang}"))).send().await.unwrap()
}

#[tokio::test]
async fn practice_details_are_checked_saved_and_fill_the_agreement() {
    let app = spawn_app_with(|config| {
        config.operator.name = "Trygg Drift AS".into();
        config.operator.address = "Driftsveien 2, 7010 Trondheim".into();
        config.operator.org_number = "974760673".into();
        config.operator.email = "personvern@trygg.example".into();
    })
    .await;
    app.signed_in_user(OWNER).await;

    let bad = app
        .call(UpdatePractice::PATH, &[("name", " "), ("address", "Storgata 1"), ("org_number", "923 609 017")])
        .await;
    assert_eq!(bad.status(), 422);
    let error = error_of(bad).await;
    assert_eq!(
        validation(&error),
        [("name".to_string(), json!("Required")), ("org_number".to_string(), json!("InvalidOrgNumber"))]
    );
    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["practice"]["address"], "", "nothing changed");

    let saved = app
        .call(
            UpdatePractice::PATH,
            &[("name", "Klinikk Blåbær (Øst)"), ("address", "Storgata 1\n0155 Oslo"), ("org_number", "923 609 016")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["agreement_ready"], true);
    assert_eq!(profile["practice"]["name"], "Klinikk Blåbær (Øst)");
    assert_eq!(profile["practice"]["org_number"], "923609016");
    assert_eq!(profile["email"], OWNER);

    for (lang, title, file) in [
        ("nb", "Databehandleravtale", "databehandleravtale-trygg.pdf"),
        ("en", "Data processing agreement", "data-processing-agreement-trygg.pdf"),
    ] {
        let response = agreement(&app, &app.client, lang).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains(file));
        let pdf = response.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = text_of(&pdf);
        assert!(text.starts_with(&format!("{title}\n")), "{text}");
        for detail in [
            "Klinikk Blåbær (Øst)\n",
            "Storgata 1\n",
            "0155 Oslo\n",
            "923609016\n",
            "Trygg Drift AS\n",
            "Driftsveien 2, 7010 Trondheim\n",
            "974760673\n",
            "personvern@trygg.example\n",
        ] {
            assert!(text.contains(detail), "{lang}: {detail:?} missing");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'dpa.downloaded'").await, 2);

    // Another practice gets its own agreement, and a stranger none.
    let other = app.other_practitioner("per@example.no").await;
    let theirs = text_of(&agreement(&app, &other, "nb").await.bytes().await.unwrap());
    assert!(!theirs.contains("Blåbær") && !theirs.contains("923609016"));
    let stranger = crate::helpers::browser(&app.base);
    let refused = agreement(&app, &stranger, "nb").await;
    assert!(refused.status().is_redirection() || refused.status() == 401, "{}", refused.status());
    assert!(!refused.bytes().await.unwrap().starts_with(b"%PDF"));
}

/// Without the operator's address, organisation number and contact address the agreement would
/// name its processor with blanks: none is issued, and the profile page says why.
#[tokio::test]
async fn no_agreement_is_issued_while_the_operator_is_not_fully_configured() {
    let app = spawn_app_with(|config| {
        config.operator.name = "Trygg Drift AS".into();
        config.operator.org_number = "974760673".into();
        config.operator.email = "personvern@trygg.example".into();
    })
    .await;
    app.signed_in_user(OWNER).await;
    let saved = app
        .call(
            UpdatePractice::PATH,
            &[("name", "Klinikk Fjord"), ("address", "Storgata 1"), ("org_number", "923609016")],
        )
        .await;
    assert_eq!(saved.status(), 200);

    let profile: Value = app.call(GetProfile::PATH, &[]).await.json().await.unwrap();
    assert_eq!(profile["agreement_ready"], false);
    for (lang, texts) in [("en", &app::i18n::EN), ("nb", &app::i18n::NB)] {
        let refused = agreement(&app, &app.client, lang).await;
        assert_eq!(refused.status(), 409);
        assert_eq!(refused.text().await.unwrap(), texts.dpa_not_ready);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM practice_audit WHERE action = 'dpa.downloaded'").await, 0);

    let page = app.client.get(app.url("/settings/profile")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(app::i18n::EN.dpa_not_ready), "the page says why");
    assert!(!html.contains("agreement.pdf"), "and offers no download");
}
