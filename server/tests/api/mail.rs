//! Mail goes through a real SMTP conversation when an SMTP server is configured.

use crate::helpers::{smtp_sink, spawn_app_with};
use app::auth::api::DevOutbox;
use leptos::server_fn::ServerFn as _;

#[tokio::test]
async fn with_smtp_configured_mail_is_delivered_over_smtp_not_the_outbox() {
    let (port, received) = smtp_sink().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.dev_outbox = false;
    })
    .await;
    assert_eq!(app.sign_up("smtp@example.no").await.status(), 200);
    let mut message = None;
    for _ in 0..200 {
        if let Some(m) = received.lock().unwrap().first().cloned() {
            message = Some(m);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let message = message.expect("a message reached the SMTP server");
    assert!(message.contains("To: smtp@example.no"), "{message}");
    assert!(message.contains("/verify-email?token="), "{message}");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    // And the outbox page is off.
    assert_eq!(app.call(DevOutbox::PATH, &[]).await.status(), 404);
}
