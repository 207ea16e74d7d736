//! The pages a client opens from a mail on a phone load little: never the practitioner's app.
//! Their styles are in the page (no stylesheet to fetch), they register no service worker, the
//! booking and message pages load no script, and the consent page loads only its signature pad
//! (`client-pages`), with the page's nonce.

use crate::helpers::{TestApp, spawn_app};

/// Every `<script …>` and `<link …>` opening tag of a page.
fn loads(html: &str) -> Vec<String> {
    ["<script", "<link"]
        .iter()
        .flat_map(|start| {
            html.split(start).skip(1).map(move |rest| format!("{start}{}", &rest[..rest.find('>').unwrap()]))
        })
        .collect()
}

/// The page's HTML, and the nonce its Content-Security-Policy allows.
async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    (response.text().await.unwrap(), nonce)
}

/// Neither the app's script, WASM and stylesheet nor its service worker and manifest; the
/// client pages' own rules in one style element with the page's nonce.
fn assert_no_app(path: &str, html: &str, nonce: &str) {
    for tag in loads(html) {
        assert!(!tag.contains("/pkg/trygg"), "{path} loads the app: {tag}");
        assert!(!tag.contains("stylesheet"), "{path} fetches a stylesheet: {tag}");
        assert!(!tag.contains("manifest") && !tag.contains("sw-register"), "{path} offers the app: {tag}");
    }
    let styles: Vec<_> = html.match_indices("<style").map(|(at, _)| &html[at..]).collect();
    assert_eq!(styles.len(), 1, "{path}: one style element");
    let style = styles[0];
    let open = &style[..style.find('>').unwrap()];
    assert!(open.contains(&format!("nonce=\"{nonce}\"")), "{path}: {open}");
    let rules = &style[open.len() + 1..style.find("</style>").unwrap()];
    assert_eq!(rules, app::page_scripts::CLIENT_PAGES_CSS, "{path}: the client pages' rules, as they are");
    assert!(rules.contains(".time-choice{") && rules.contains(".signature-pad{"), "{path}: {rules}");
}

fn assert_no_script(path: &str, html: &str, nonce: &str) {
    assert_no_app(path, html, nonce);
    let tags = loads(html);
    let scripts: Vec<_> = tags.iter().filter(|tag| tag.contains("type=\"module\"") || tag.contains(".wasm")).collect();
    assert!(scripts.is_empty(), "{path} loads a script: {scripts:?}");
    assert!(!html.contains("client-pages"), "{path} loads the pad");
}

#[tokio::test]
async fn client_pages_load_no_app_and_the_consent_page_only_its_pad() {
    let app = spawn_app().await;
    // The practitioner's pages hydrate the app.
    let (login, _) = page(&app, &app.new_browser(), "/login").await;
    let tags = loads(&login);
    for part in ["/pkg/trygg.js", "rel=\"stylesheet\" href=\"/pkg/trygg.css\"", "/sw-register.js", "rel=\"manifest\""] {
        assert!(tags.iter().any(|tag| tag.contains(part)), "the app on its own pages: {part} in {tags:?}");
    }
    assert!(!login.contains("client-pages") && !login.contains("<style"));

    let client_id = crate::messages::practice_with_client(&app).await;
    let phone = app.new_browser();

    // The booking page, the page of a chosen day, and the confirmation.
    let slug = crate::booking::booking_slug(&app).await;
    for path in [
        format!("/book/{slug}"),
        format!("/book/{slug}?service=1&date=2030-01-07"),
        format!("/book/{slug}/booked?date=2030-01-07&time=10:00"),
    ] {
        let (html, nonce) = page(&app, &phone, &path).await;
        assert_no_script(&path, &html, &nonce);
    }

    // The secure message link, before and after the phone proved itself.
    let sent = crate::messages::send(&app, &app.client, &client_id, "Hei", Vec::new(), None).await;
    assert_eq!(sent.status(), 303);
    let token = crate::messages::newest_link(&app, 1).await;
    let path = format!("/secure-message?token={token}");
    let (html, nonce) = page(&app, &phone, &path).await;
    assert_no_script(&path, &html, &nonce);
    let verified = crate::messages::verified_phone(&app, &token, 1).await;
    let (html, nonce) = page(&app, &verified, &path).await;
    assert!(html.contains("name=\"body\""), "the reply box is in the page");
    assert_no_script(&path, &html, &nonce);

    // The consent link: the pad's WASM, fetched early, started by a script with the nonce.
    let email = "ola.klient@example.no";
    let token = crate::consent::send(&app, &client_id, email, 1).await;
    let path = format!("/consent?token={token}");
    let (html, nonce) = page(&app, &phone, &path).await;
    assert_no_app(&path, &html, &nonce);
    let tags = loads(&html);
    assert!(tags.iter().any(|tag| tag.contains("rel=\"modulepreload\"") && tag.contains("/pkg/client-pages.js")));
    assert!(tags.iter().any(|tag| tag.contains("rel=\"preload\"") && tag.contains("/pkg/client-pages_bg.wasm")));
    let starter = tags.iter().find(|tag| tag.contains("type=\"module\"")).expect("the pad's starter");
    assert!(starter.contains(&format!("nonce=\"{nonce}\"")), "{starter}");
    assert!(html.contains("import init from '/pkg/client-pages.js'"));
    // The pad is in the page, hidden until the script shows it; the note says why.
    let live = html.split("id=\"signature-live\"").nth(1).unwrap();
    assert!(live[..live.find('>').unwrap()].contains("hidden"));
    assert!(html.contains("id=\"signature-needs-js\""));
    assert!(html.contains(&format!("data-token=\"{token}\"")), "the page knows its link to say it was opened");
}
