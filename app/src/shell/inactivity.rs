//! Automatic logout in the browser. An inactivity timer follows pointer, keyboard, touch and
//! scroll activity; a minute before the account's limit a dialog counts down with "Stay signed
//! in"; at the limit the page is covered at once and the browser goes to the login page. Every
//! open tab of the account keeps in step through `localStorage`: activity in one keeps the others
//! alive, and a logout or timeout in one ends them all.
//!
//! The server enforces the same limit on its own; this only makes it visible and immediate.

use leptos::prelude::*;

use crate::i18n::t;

/// Seconds before the limit at which the warning appears.
pub const WARN_SECS: i64 = 60;

#[component]
pub fn InactivityGuard(idle_secs: i64) -> impl IntoView {
    let texts = t();
    let seconds_left = RwSignal::new(None::<i64>);
    let expired = RwSignal::new(false);
    let stay = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    browser::start(idle_secs, seconds_left, expired, stay);
    #[cfg(not(feature = "hydrate"))]
    let _ = idle_secs;
    let stay_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if seconds_left.get().is_some()
            && let Some(button) = stay_button.get()
        {
            let _ = button.focus();
        }
    });
    view! {
        <Show when=move || expired.get()>
            <div class="idle-cover" role="alert">
                <p>{texts.idle_signed_out}</p>
            </div>
        </Show>
        <Show when=move || seconds_left.get().is_some() && !expired.get()>
            <div class="idle-backdrop">
                <div
                    class="idle-dialog"
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby="idle-title"
                    aria-describedby="idle-text"
                >
                    <h2 id="idle-title">{texts.idle_title}</h2>
                    <p id="idle-text">
                        {move || texts.idle_countdown.replace("{n}", &seconds_left.get().unwrap_or(0).to_string())}
                    </p>
                    <button
                        type="button"
                        class="primary"
                        node_ref=stay_button
                        on:click=move |_| stay.update(|n| *n += 1)
                    >
                        {texts.idle_stay}
                    </button>
                </div>
            </div>
        </Show>
    }
}

/// Tells the other tabs that this one logged out, just before its logout is sent.
pub fn announce_logout() {
    #[cfg(feature = "hydrate")]
    browser::announce_end(browser::End::SignedOut);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::ev;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;

    use super::WARN_SECS;
    use crate::auth::api::{end_idle_session, whoami};

    const ACTIVITY_KEY: &str = "trygg.activity";
    const LOGOUT_KEY: &str = "trygg.logout";
    /// Shared activity is written at most this often, and the server touched at most this often.
    const SHARE_EVERY_MS: f64 = 5_000.0;
    const TOUCH_SERVER_EVERY_MS: f64 = 60_000.0;

    fn storage() -> Option<web_sys::Storage> {
        window().local_storage().ok().flatten()
    }

    fn shared_activity() -> f64 {
        storage().and_then(|s| s.get_item(ACTIVITY_KEY).ok().flatten()).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    }

    /// Why the account's sessions in this browser ended; it is also the login page's `reason`.
    #[derive(Clone, Copy)]
    pub enum End {
        Idle,
        SignedOut,
    }

    impl End {
        fn reason(self) -> &'static str {
            match self {
                Self::Idle => "idle",
                Self::SignedOut => "signed_out",
            }
        }
    }

    pub fn announce_end(end: End) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(LOGOUT_KEY, &format!("{}:{}", end.reason(), js_sys::Date::now()));
        }
    }

    pub fn start(idle_secs: i64, seconds_left: RwSignal<Option<i64>>, expired: RwSignal<bool>, stay: RwSignal<u32>) {
        let last_activity = Rc::new(Cell::new(js_sys::Date::now()));
        let last_shared = Rc::new(Cell::new(0.0_f64));
        let last_touch = Rc::new(Cell::new(js_sys::Date::now()));

        // `announce`: this tab decided, so it tells the others (which then only follow).
        let expire = move |end: End, announce: bool| {
            if expired.get_untracked() {
                return;
            }
            expired.set(true);
            // No client data stays on screen or in the page while the browser leaves.
            if let Some(main) = document().get_element_by_id("main") {
                main.set_inner_html("");
            }
            if announce {
                announce_end(end);
            }
            leptos::task::spawn_local(async move {
                let _ = end_idle_session().await;
                let _ = window().location().replace(&format!("/login?reason={}", end.reason()));
            });
        };

        let record = {
            let (last_activity, last_shared, last_touch) =
                (last_activity.clone(), last_shared.clone(), last_touch.clone());
            move || {
                if expired.get_untracked() {
                    return;
                }
                let now = js_sys::Date::now();
                last_activity.set(now);
                if now - last_shared.get() >= SHARE_EVERY_MS {
                    last_shared.set(now);
                    if let Some(storage) = storage() {
                        let _ = storage.set_item(ACTIVITY_KEY, &now.to_string());
                    }
                }
                if now - last_touch.get() >= TOUCH_SERVER_EVERY_MS {
                    last_touch.set(now);
                    // Keeps the server's idle clock in step; a session ended elsewhere ends here.
                    leptos::task::spawn_local(async move {
                        if let Ok(None) = whoami().await {
                            expire(End::Idle, true);
                        }
                    });
                }
            }
        };
        record();

        let mut handles = ["pointerdown", "keydown", "touchstart", "wheel", "scroll"]
            .into_iter()
            .map(|event| {
                let record = record.clone();
                window_event_listener_untyped(event, move |_| record())
            })
            .collect::<Vec<_>>();
        handles.push(window_event_listener(ev::storage, move |event| {
            if event.key().as_deref() == Some(LOGOUT_KEY) {
                let end = match event.new_value() {
                    Some(value) if value.starts_with("signed_out") => End::SignedOut,
                    _ => End::Idle,
                };
                expire(end, false);
            }
        }));
        {
            let record = record.clone();
            Effect::new(move |previous: Option<u32>| {
                let clicks = stay.get();
                if previous.is_some_and(|p| p != clicks) {
                    record();
                }
                clicks
            });
        }

        let tick = {
            let last_activity = last_activity.clone();
            move || {
                if expired.get_untracked() {
                    return;
                }
                let last = last_activity.get().max(shared_activity());
                let left = idle_secs - ((js_sys::Date::now() - last) / 1000.0).floor() as i64;
                if left <= 0 {
                    seconds_left.set(None);
                    expire(End::Idle, true);
                } else if left <= WARN_SECS {
                    seconds_left.set(Some(left));
                } else if seconds_left.get_untracked().is_some() {
                    seconds_left.set(None);
                }
            }
        };
        let interval = gloo_timers::callback::Interval::new(1_000, tick);
        let running = SendWrapper::new((interval, handles));
        on_cleanup(move || {
            let (interval, handles) = running.take();
            interval.cancel();
            handles.into_iter().for_each(|handle| handle.remove());
        });
    }
}
