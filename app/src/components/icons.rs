//! The app's few drawn icons, as inline SVG: decorative (`aria-hidden`), so whatever shows one
//! names it in text or an `aria-label` of its own.

use leptos::prelude::*;

/// An open eye: hidden data is showing.
#[component]
pub fn Eye() -> impl IntoView {
    view! {
        <svg class="icon eye-open" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path
                d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
            />
            <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" stroke-width="2" />
        </svg>
    }
}

/// A crossed-out eye: data is hidden.
#[component]
pub fn EyeCrossed() -> impl IntoView {
    view! {
        <svg class="icon eye-crossed" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path
                d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
            />
            <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" stroke-width="2" />
            <path d="M3 3l18 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
        </svg>
    }
}

/// A globe: booked online.
#[component]
pub fn Globe() -> impl IntoView {
    view! {
        <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
            <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path
                d="M1.5 8h13M8 1.5c2 2 2.8 4.2 2.8 6.5S10 12.5 8 14.5C6 12.5 5.2 10.3 5.2 8S6 3.5 8 1.5z"
                fill="none"
                stroke="currentColor"
                stroke-width="1.3"
            />
        </svg>
    }
}
