//! Integration tests: each starts the real app on port 0 with a fresh database (SQLite, or
//! PostgreSQL when `TRYGG_TEST_DATABASE_URL` names one) and talks HTTP to it.

mod accounts;
mod audit;
mod booking;
mod calendar;
mod cleanup;
mod client_pages;
mod clients;
mod consent;
mod erasure;
mod export;
mod fuzz;
mod helpers;
mod input;
mod ip_requests;
mod journal;
mod keys;
#[path = "../common/launch.rs"]
mod launch;
mod lockout;
mod mail;
mod messages;
mod outage;
mod process;
mod profile;
mod rebinding;
mod scale_out;
mod sealing;
mod security;
mod sessions;
mod start;
mod support;
mod transfer;
mod two_factor;
mod web_security;
