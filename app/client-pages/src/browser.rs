//! The consent page in the browser: the signature pad, and the note that a person opened the
//! link. The page is whole without them: it signs with the typed name, and the first form sent
//! opens the request.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CanvasRenderingContext2d, Document, Event, EventTarget, HtmlCanvasElement, HtmlInputElement, PointerEvent,
};

use crate::signature::{self, HEIGHT, WIDTH};

/// Runs once the WASM is loaded. The `data-hydrated` mark tells browser tests and benchmarks
/// that the page's script is live, as the practitioner's app does after hydration.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    pad(&document);
    opened_on_use(&document);
    errors_go_on_change(&document);
    if let Some(body) = document.body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

fn by_id<T: JsCast>(document: &Document, id: &str) -> Option<T> {
    document.get_element_by_id(id)?.dyn_into().ok()
}

fn listen(target: &EventTarget, event: &str, handler: impl FnMut(Event) + 'static) {
    let handler = Closure::<dyn FnMut(Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    // The page lives as long as the listener.
    handler.forget();
}

/// Strokes drawn with a finger, a pen or the mouse (pointer events), kept on the grid and
/// written into the form's hidden `signature` field. The server renders the pad hidden, with a
/// note that drawing needs JavaScript; both change here once the pad works.
fn pad(document: &Document) {
    let (Some(live), Some(canvas), Some(field)) = (
        by_id::<web_sys::Element>(document, "signature-live"),
        by_id::<HtmlCanvasElement>(document, "signature-pad"),
        by_id::<HtmlInputElement>(document, "signature"),
    ) else {
        return;
    };
    let Some(context) = pen(&canvas) else { return };
    let pad =
        Rc::new(RefCell::new(Pad { canvas: canvas.clone(), context, field, strokes: Vec::new(), pressed: false }));
    let on = |event: &str, act: fn(&mut Pad, &PointerEvent)| {
        let pad = pad.clone();
        listen(&canvas, event, move |event| act(&mut pad.borrow_mut(), event.unchecked_ref()));
    };
    on("pointerdown", Pad::down);
    on("pointermove", Pad::moved);
    on("pointerup", Pad::lifted);
    on("pointercancel", Pad::lifted);
    if let Some(clear) = by_id::<EventTarget>(document, "signature-clear") {
        let pad = pad.clone();
        listen(&clear, "click", move |_| pad.borrow_mut().clear());
    }
    let _ = live.remove_attribute("hidden");
    if let Some(note) = by_id::<web_sys::Element>(document, "signature-needs-js") {
        let _ = note.set_attribute("hidden", "");
    }
}

/// The canvas's 2D context with the pen set. The canvas has twice the grid's pixels, for sharp
/// lines on phone screens.
fn pen(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
    context.set_line_width(7.0);
    context.set_line_cap("round");
    context.set_line_join("round");
    context.set_stroke_style_str("#1c2321");
    Some(context)
}

struct Pad {
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
    field: HtmlInputElement,
    strokes: Vec<Vec<(u16, u16)>>,
    pressed: bool,
}

impl Pad {
    fn down(&mut self, event: &PointerEvent) {
        event.prevent_default();
        let _ = self.canvas.set_pointer_capture(event.pointer_id());
        self.pressed = true;
        let point = self.point(event);
        if signature::room_for(&self.strokes) {
            self.segment(point, point);
            self.strokes.push(vec![point]);
            self.write();
        }
    }

    fn moved(&mut self, event: &PointerEvent) {
        if !self.pressed {
            return;
        }
        let point = self.point(event);
        let room = signature::room_for(&self.strokes);
        let Some(last) = self.strokes.last().and_then(|stroke| stroke.last().copied()) else { return };
        if room && signature::far_enough(last, point) {
            self.segment(last, point);
            if let Some(stroke) = self.strokes.last_mut() {
                stroke.push(point);
            }
        }
    }

    /// The field is written when a stroke ends, not at every point.
    fn lifted(&mut self, _: &PointerEvent) {
        if std::mem::take(&mut self.pressed) {
            self.write();
        }
    }

    fn clear(&mut self) {
        self.strokes.clear();
        self.context.clear_rect(0.0, 0.0, f64::from(self.canvas.width()), f64::from(self.canvas.height()));
        self.write();
    }

    fn write(&self) {
        self.field.set_value(&signature::text_of(&self.strokes));
    }

    /// Where the pointer is, on the grid (the canvas may be shown at any size).
    fn point(&self, event: &PointerEvent) -> (u16, u16) {
        let scale = |offset: i32, shown: i32, grid: u16| {
            (f64::from(offset) * f64::from(grid) / f64::from(shown.max(1))).round().clamp(0.0, f64::from(grid)) as u16
        };
        (
            scale(event.offset_x(), self.canvas.client_width(), WIDTH),
            scale(event.offset_y(), self.canvas.client_height(), HEIGHT),
        )
    }

    fn segment(&self, from: (u16, u16), to: (u16, u16)) {
        let context = &self.context;
        context.begin_path();
        context.move_to(f64::from(from.0) * 2.0, f64::from(from.1) * 2.0);
        context.line_to(f64::from(to.0) * 2.0, f64::from(to.1) * 2.0);
        context.stroke();
    }
}

/// Records "opened" once a person uses the page: the first touch, click, key, wheel or scroll.
/// A mail scanner that only fetches the link, or renders it without using it, leaves the
/// request as it was. A beacon: a plain form post to the server function, same origin.
fn opened_on_use(document: &Document) {
    let Some(token) = by_id::<web_sys::Element>(document, "opened-on-use").and_then(|m| m.get_attribute("data-token"))
    else {
        return;
    };
    let Some(window) = web_sys::window() else { return };
    let sent = Rc::new(Cell::new(false));
    for event in ["pointerdown", "touchstart", "keydown", "wheel", "scroll"] {
        let (sent, token, navigator) = (sent.clone(), token.clone(), window.navigator());
        listen(&window, event, move |_| {
            if sent.replace(true) {
                return;
            }
            if let Ok(form) = web_sys::UrlSearchParams::new() {
                form.append("token", &token);
                let _ = navigator.send_beacon_with_opt_url_search_params("/api/consent/opened", Some(&form));
            }
        });
    }
}

/// A field's error, shown after the form came back refused, goes once the field is changed.
fn errors_go_on_change(document: &Document) {
    listen(document, "input", |event| {
        let field = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok());
        let Some(field) = field.and_then(|element| element.closest(".field").ok().flatten()) else { return };
        let _ = field.class_list().remove_1("invalid");
        if let Ok(Some(error)) = field.query_selector(".field-error") {
            error.set_text_content(None);
        }
    });
}
