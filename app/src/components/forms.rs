//! Form pieces: a labelled field with its error next to it, and the message above a form.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::{AppError, Problem};
use crate::i18n::{Texts, t};

/// The error of an action's last call, if it failed (also after a submit without JavaScript,
/// when Leptos restores it from the URL).
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Whether an action's last call worked. Reading it tracks the action.
pub fn succeeded<S>(action: ServerAction<S>) -> bool
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    action.value().with(|value| matches!(value, Some(Ok(_))))
}

/// A count that goes up each time `any_succeeded` turns true: a resource that reads it is fetched
/// again after a save that worked, while a refused save changes nothing, so its form keeps what
/// was typed. `any_succeeded` must read every action it covers on every run (e.g. an array of
/// `succeeded`), so that each stays tracked.
pub fn success_count(any_succeeded: impl Fn() -> bool + Send + Sync + 'static) -> ReadSignal<u32> {
    let count = RwSignal::new(0_u32);
    Effect::new(move |_| {
        if any_succeeded() {
            count.update(|count| *count += 1);
        }
    });
    count.read_only()
}

/// The problem the last answer found with one field, shown until the field is changed, and
/// again after the next answer. Returns it and the handler that marks the field changed.
pub fn field_problem(
    error: Signal<Option<AppError>>,
    name: &'static str,
) -> (Memo<Option<Problem>>, impl Fn(leptos::ev::Event) + Copy + 'static) {
    let changed = RwSignal::new(false);
    Effect::new(move |_| {
        error.track();
        changed.set(false);
    });
    let problem = Memo::new(move |_| if changed.get() { None } else { error.get().and_then(|e| e.for_field(name)) });
    (problem, move |_| changed.set(true))
}

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] value: Option<String>,
    /// The element id, when the same field name appears twice on a page.
    #[prop(optional)]
    id: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, name);
    let id = id.unwrap_or(name);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type=kind
                inputmode=inputmode
                autocomplete=autocomplete
                value=value
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                on:input=changed
            />
            {hint
                .map(|text| {
                    view! {
                        <p class="hint" id=hint_id>
                            {text}
                        </p>
                    }
                })}
            <p class="field-error" id=error_id>
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

/// A multi-line text field with its error next to it.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] value: String,
    #[prop(default = 4)] rows: u32,
    /// The element id, when the same field name appears twice on a page.
    #[prop(optional)]
    id: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, name);
    let id = id.unwrap_or(name);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id>{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                on:input=changed
            >
                {value}
            </textarea>
            {hint
                .map(|text| {
                    view! {
                        <p class="hint" id=hint_id>
                            {text}
                        </p>
                    }
                })}
            <p class="field-error" id=error_id>
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}

/// A page whose data could not be loaded: the error's message in its place, and (when the server
/// renders it) the error's status on the response.
pub fn page_error(error: &AppError, texts: &Texts) -> AnyView {
    error.set_page_status();
    view! { <p class="error">{error.form_message(texts)}</p> }.into_any()
}

/// The form-level error (wrong password, too many attempts, network trouble), announced to
/// screen readers.
#[component]
pub fn FormMessage(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let texts = t();
    view! {
        <div class="form-message" role="alert">
            {move || error.get().and_then(|e| e.form_message(texts)).map(|text| view! { <p class="error">{text}</p> })}
        </div>
    }
}

/// A submit button that says it is working while its action is pending.
#[component]
pub fn Submit<S>(action: ServerAction<S>, label: &'static str) -> impl IntoView
where
    S: ServerFn + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let pending = action.pending();
    view! {
        <button
            type="submit"
            class="primary"
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            {label}
        </button>
    }
}

/// A checkbox (sent as `on` when ticked) with its error next to it.
#[component]
pub fn Checkbox(
    label: String,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] checked: bool,
) -> impl IntoView {
    let texts = t();
    let (problem, changed) = field_problem(error, name);
    let error_id = format!("{name}-error");
    view! {
        <div class="field check" class:invalid=move || problem.get().is_some()>
            <input
                id=name
                name=name
                type="checkbox"
                value="on"
                checked=checked
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                on:change=changed
            />
            <label for=name>{label}</label>
            <p class="field-error" id=error_id>
                {move || problem.get().map(|p| p.message(texts))}
            </p>
        </div>
    }
}
