//! Same-origin checks for state changes, and the headers on every response.

use crate::helpers::{PASSWORD, spawn_app};
use app::auth::api::{DevOutbox, LogIn, LogOut, SignUp, Whoami};
use leptos::server_fn::ServerFn as _;

#[tokio::test]
async fn cross_origin_state_changes_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("practice_name", "Evil"), ("name", "Eve"), ("email", "eve@example.no"), ("password", PASSWORD)];
    let cases: [(&str, Option<(&str, &str)>); 4] = [
        ("foreign Origin", Some(("origin", "https://evil.example"))),
        ("cross-site fetch", Some(("sec-fetch-site", "cross-site"))),
        ("same-site but other origin", Some(("sec-fetch-site", "same-site"))),
        ("no Origin at all", None),
    ];
    for (case, header) in cases {
        let mut request = plain.post(app.url(SignUp::PATH)).form(&form);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{case}");
        assert!(response.headers().contains_key("content-security-policy"), "{case}");
    }
    // Even with a valid session, a cross-origin logout is refused.
    app.signed_in_user("target@example.no").await;
    let response = app.client.post(app.url(LogOut::PATH)).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'eve@example.no'").await, 0);

    // The same request from our own origin goes through.
    let same =
        plain.post(app.url(SignUp::PATH)).header("sec-fetch-site", "same-origin").form(&form).send().await.unwrap();
    assert_eq!(same.status(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/signup", "/calendar", "/no-such-page", Whoami::PATH, "/healthz", "/manifest.webmanifest"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        for part in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "'wasm-unsafe-eval'"] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("'unsafe-inline'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["cross-origin-opener-policy"], "same-origin", "{path}");
        assert!(
            ["no-referrer", "same-origin"].contains(&headers["referrer-policy"].to_str().unwrap()),
            "{path}: the referrer never leaves the site"
        );
        assert!(!headers.contains_key("strict-transport-security"), "no HSTS over plain http");
    }
    assert_eq!(app.get(Whoami::PATH).await.headers()["referrer-policy"], "no-referrer");
    assert_eq!(app.get("/login").await.headers()["referrer-policy"], "same-origin");
    // Pages are private unless listed as public, so an unknown page first asks for a login...
    assert_eq!(app.get("/no-such-page").await.headers()["location"], "/login");
    // ...and is a 404 once signed in.
    app.signed_in_user("lost@example.no").await;
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn pages_get_a_fresh_nonce_that_their_scripts_carry() {
    let app = spawn_app().await;
    let nonce_of = |csp: &str| csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let first = app.get("/login").await;
    let first_nonce = nonce_of(first.headers()["content-security-policy"].to_str().unwrap());
    let html = first.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{first_nonce}\"")), "the hydration script carries the header's nonce");
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(tag.contains("nonce=") || tag.contains("src=\"/"), "inline script without nonce: <script{tag}>");
    }
    let second = app.get("/login").await;
    let second_nonce = nonce_of(second.headers()["content-security-policy"].to_str().unwrap());
    assert_ne!(first_nonce, second_nonce);
    assert!(first_nonce.len() >= 22);
}

#[tokio::test]
async fn signed_in_pages_and_api_answers_are_never_cached() {
    let app = spawn_app().await;
    app.signed_in_user("cache@example.no").await;
    for path in ["/calendar", "/settings/security", Whoami::PATH, "/login"] {
        assert_eq!(app.get(path).await.headers()["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn health_check_reports_the_database() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn errors_carry_codes_not_internal_text() {
    let app = spawn_app().await;
    let response = app.call(LogIn::PATH, &[("email", "x@example.no"), ("password", "y")]).await;
    let body = response.text().await.unwrap();
    for leak in ["sqlx", "SQLite", "argon2", "panicked", "Error {"] {
        assert!(!body.contains(leak), "{body}");
    }
    assert_eq!(body, r#"{"Rejected":"WrongCredentials"}"#);
}

#[tokio::test]
async fn an_internal_failure_answers_500_with_no_detail() {
    let app = spawn_app().await;
    app.signed_in_user("broken@example.no").await;
    sqlx::query("DROP TABLE outbox").execute(&app.state.db).await.unwrap();
    let response = app.call(DevOutbox::PATH, &[]).await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), r#""Internal""#);
    let page = app.get("/dev/outbox").await.text().await.unwrap();
    assert!(!page.to_lowercase().contains("no such table"), "{page}");
}

#[tokio::test]
async fn the_pwa_manifest_and_service_worker_are_served() {
    let app = spawn_app().await;
    let manifest: serde_json::Value = app.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["display"], "standalone");
    let sizes: Vec<&str> = manifest["icons"].as_array().unwrap().iter().map(|i| i["sizes"].as_str().unwrap()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"));
    for path in ["/icons/icon-192.png", "/icons/icon-512.png", "/sw.js", "/sw-register.js", "/offline.html"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    let description = manifest["description"].as_str().unwrap_or_default();
    assert!(description.len() >= 40 && description.contains("therapists"), "{description}");
    let purposes: Vec<&str> =
        manifest["icons"].as_array().unwrap().iter().filter_map(|i| i["purpose"].as_str()).collect();
    assert!(purposes.iter().any(|p| p.split_whitespace().any(|p| p == "maskable")), "{purposes:?}");

    // Chromium's richer install dialog: a wide and a narrow screenshot, public (no sign-in),
    // PNGs whose real pixel size is the declared one.
    let screenshots = manifest["screenshots"].as_array().expect("screenshots in the manifest");
    let mut form_factors = Vec::new();
    for shot in screenshots {
        let src = shot["src"].as_str().unwrap();
        assert!(src.starts_with("/screenshots/"), "{src}");
        assert_eq!(shot["type"], "image/png", "{src}");
        assert!(!shot["label"].as_str().unwrap_or_default().is_empty(), "{src} has a label");
        let form_factor = shot["form_factor"].as_str().unwrap();
        form_factors.push(form_factor);
        let (width, height) = shot["sizes"].as_str().unwrap().split_once('x').unwrap();
        let (width, height): (u32, u32) = (width.parse().unwrap(), height.parse().unwrap());
        match form_factor {
            "wide" => assert!(width > height, "{src}"),
            "narrow" => assert!(height > width, "{src}"),
            other => panic!("{src}: form_factor {other}"),
        }
        let response = app.get(src).await;
        assert_eq!(response.status(), 200, "{src}");
        assert_eq!(response.headers()["content-type"], "image/png", "{src}");
        let png = response.bytes().await.unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR", "{src} is a PNG");
        let size_at = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        assert_eq!((size_at(16), size_at(20)), (width, height), "{src}: real pixel size as declared");
    }
    form_factors.sort_unstable();
    assert_eq!(form_factors, ["narrow", "wide"]);
}

#[tokio::test]
async fn the_server_shuts_down_gracefully() {
    let app = spawn_app().await;
    let base = app.base.clone();
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await.expect("serve returns cleanly after the shutdown signal");
    let fresh = reqwest::Client::new();
    assert!(fresh.get(format!("{base}/healthz")).send().await.is_err(), "no longer listening");
}
