//! What the pages a client opens from a mail (consent, booking, secure messages) run in the
//! browser, kept apart from the practitioner's app so that a phone on mobile data loads a few
//! KiB instead of the whole app. The booking and message pages need nothing: plain links and
//! forms. The consent page gets its signature pad and its "opened" note from here.
//!
//! `signature` is shared with the server, which reads what the pad writes.

pub mod signature;

#[cfg(feature = "browser")]
mod browser;
