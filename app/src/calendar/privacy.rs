//! "Hide client data" (the eye with a cross): one switch veils every appointment at once. Under
//! the calendar's `private` class the names, services and notes turn invisible, which also takes
//! them out of the accessibility tree, and the striped veil painted beneath them shows. The choice is a cookie, so
//! the server renders the page already hidden and nothing flashes on reload or in a new tab. The
//! hydrated page starts from the state the server rendered and then takes the cookie's, which
//! another tab may have changed in between.
//! It turns on by itself when the window loses focus, after the chosen idle minutes, and
//! Alt+Shift+H toggles it.

use leptos::prelude::*;

use super::api::{SetHideAfterIdle, SetPrivacy};
use super::types::HIDE_IDLE_CHOICES;
use crate::components::icons::{Eye, EyeCrossed};
use crate::i18n::t;

pub const PRIVACY_COOKIE: &str = "trygg_private";

#[derive(Clone, Copy)]
pub struct Privacy {
    pub hidden: RwSignal<bool>,
    pub idle_minutes: i64,
}

impl Privacy {
    pub fn set(&self, hidden: bool) {
        if self.hidden.get_untracked() != hidden {
            self.hidden.set(hidden);
        }
        remember(hidden);
    }
}

/// The page's privacy state: `rendered_hidden` is the state the server rendered the page in.
pub fn use_privacy(idle_minutes: i64, rendered_hidden: bool) -> Privacy {
    let privacy = Privacy { hidden: RwSignal::new(rendered_hidden), idle_minutes };
    #[cfg(feature = "hydrate")]
    {
        // Runs once the page is hydrated: the device's remembered choice wins from then on.
        Effect::new(move |_| {
            let remembered = browser::cookie().split(';').any(|pair| pair.trim() == format!("{PRIVACY_COOKIE}=1"));
            if remembered != privacy.hidden.get_untracked() {
                privacy.hidden.set(remembered);
            }
        });
        browser::watch(privacy);
    }
    privacy
}

fn remember(_hidden: bool) {
    #[cfg(feature = "hydrate")]
    browser::set_cookie(&privacy_cookie(_hidden));
}

pub fn privacy_cookie(hidden: bool) -> String {
    format!("{PRIVACY_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict", if hidden { 1 } else { 0 })
}

#[component]
pub fn PrivacyToggle(privacy: Privacy) -> impl IntoView {
    let texts = t();
    let action = ServerAction::<SetPrivacy>::new();
    let idle = ServerAction::<SetHideAfterIdle>::new();
    let hidden = privacy.hidden;
    let label = move || if hidden.get() { texts.privacy_show } else { texts.privacy_hide };
    view! {
        // Without JavaScript the form asks the server to set the cookie; with it, the switch acts
        // at once in the page.
        <ActionForm
            action
            attr:class="privacy-toggle"
            on:submit=move |ev| {
                if cfg!(feature = "hydrate") {
                    ev.prevent_default();
                    privacy.set(!hidden.get_untracked());
                }
            }
        >
            <input type="hidden" name="hidden" value=move || if hidden.get() { "0" } else { "1" } />
            <button
                type="submit"
                class="secondary eye"
                aria-pressed=move || hidden.get().to_string()
                aria-keyshortcuts="Alt+Shift+H"
                title=texts.privacy_shortcut
            >
                // Both icons are always there and the pressed state picks one (in CSS): a state
                // that changed between the server's render and hydration (another tab hid the
                // data) then changes an attribute, never the structure hydration walks.
                <Eye />
                <EyeCrossed />
                <span>{label}</span>
            </button>
        </ActionForm>
        <details class="privacy-settings">
            <summary>{texts.privacy_auto}</summary>
            <ActionForm action=idle attr:class="row">
                <label for="hide-minutes">{texts.privacy_auto_label}</label>
                <select id="hide-minutes" name="minutes">
                    {HIDE_IDLE_CHOICES
                        .into_iter()
                        .map(|m| {
                            let text = if m == 0 {
                                texts.privacy_auto_off.to_string()
                            } else {
                                texts.minutes_n.replace("{n}", &m.to_string())
                            };
                            view! {
                                <option value=m.to_string() selected=m == privacy.idle_minutes>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    {texts.logout_save}
                </button>
                <span class="saved" role="status">
                    {move || matches!(idle.value().get(), Some(Ok(()))).then_some(texts.logout_saved)}
                </span>
            </ActionForm>
        </details>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::ev;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;

    use super::Privacy;

    fn html_document() -> Option<web_sys::HtmlDocument> {
        document().dyn_into::<web_sys::HtmlDocument>().ok()
    }

    pub fn cookie() -> String {
        html_document().and_then(|d| d.cookie().ok()).unwrap_or_default()
    }

    pub fn set_cookie(value: &str) {
        if let Some(document) = html_document() {
            let _ = document.set_cookie(value);
        }
    }

    pub fn watch(privacy: Privacy) {
        let last_activity = Rc::new(Cell::new(js_sys::Date::now()));
        let mut handles = Vec::new();
        handles.push(window_event_listener(ev::keydown, move |event| {
            if event.alt_key() && event.shift_key() && event.code() == "KeyH" {
                event.prevent_default();
                privacy.set(!privacy.hidden.get_untracked());
            }
        }));
        handles.push(window_event_listener(ev::blur, move |_| privacy.set(true)));
        for name in ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"] {
            let last_activity = last_activity.clone();
            handles.push(window_event_listener_untyped(name, move |_| last_activity.set(js_sys::Date::now())));
        }
        let idle_ms = privacy.idle_minutes as f64 * 60_000.0;
        let interval = (privacy.idle_minutes > 0).then(|| {
            gloo_timers::callback::Interval::new(5_000, move || {
                if js_sys::Date::now() - last_activity.get() >= idle_ms && !privacy.hidden.get_untracked() {
                    privacy.set(true);
                }
            })
        });
        let running = SendWrapper::new((interval, handles));
        on_cleanup(move || {
            let (interval, handles) = running.take();
            if let Some(interval) = interval {
                interval.cancel();
            }
            handles.into_iter().for_each(|handle| handle.remove());
        });
    }
}
