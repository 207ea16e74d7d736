//! Turns `locales/*.toml` (flat `key = "text"` lines) into one `Texts` struct with a constant per
//! language, so a missing or misspelt key is a compile error, and no parser ships in the WASM.
//! Also gathers the client pages' stylesheet from `style/main.css` (see `client_pages_css`).

use std::collections::BTreeMap;
use std::fmt::Write;

const LANGUAGES: &[(&str, &str)] = &[("NB", "locales/nb.toml"), ("EN", "locales/en.toml")];

fn parse(path: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut entries = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) =
            line.split_once('=').unwrap_or_else(|| panic!("{path}:{}: expected key = \"text\"", number + 1));
        let key = key.trim();
        let value = value.trim();
        assert!(
            key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{path}:{}: keys are snake_case",
            number + 1
        );
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{path}:{}: text must be in double quotes", number + 1));
        let unescaped = inner.replace("\\n", "\n").replace("\\\"", "\"");
        assert!(entries.insert(key.to_string(), unescaped).is_none(), "{path}: duplicate key {key}");
    }
    entries
}

const STYLE: &str = "../style/main.css";
const BEGIN: &str = "/* client-pages: begin */";
const END: &str = "/* client-pages: end */";

/// The rules of `style/main.css` between its `client-pages` markers, in their order, without
/// comments and with no more whitespace than CSS needs: the stylesheet the server writes into
/// the pages a client opens on a phone (`page_scripts.rs`), which then fetch none.
fn client_pages_css() -> String {
    let text = std::fs::read_to_string(STYLE).unwrap_or_else(|e| panic!("{STYLE}: {e}"));
    let mut marked = String::new();
    let mut rest = text.as_str();
    while let Some(begin) = rest.find(BEGIN) {
        let after = &rest[begin + BEGIN.len()..];
        let end = after.find(END).unwrap_or_else(|| panic!("{STYLE}: a \"{BEGIN}\" without its \"{END}\""));
        assert!(!after[..end].contains(BEGIN), "{STYLE}: \"{BEGIN}\" twice without an end between");
        marked.push_str(&after[..end]);
        marked.push('\n');
        rest = &after[end + END.len()..];
    }
    assert!(!rest.contains(END), "{STYLE}: an \"{END}\" without its begin");
    assert!(!marked.is_empty(), "{STYLE}: no rules are marked for the client pages");
    minify(&marked)
}

/// Drops comments and the whitespace CSS does not need (none of the marked rules holds a string
/// or `url()` whose spaces matter, and none may: `</style` would end the page's style element).
fn minify(css: &str) -> String {
    let mut without_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        let end = rest[start..].find("*/").unwrap_or_else(|| panic!("{STYLE}: an unclosed comment"));
        rest = &rest[start + end + 2..];
        without_comments.push(' ');
    }
    without_comments.push_str(rest);
    assert!(!without_comments.contains('<'), "{STYLE}: a client-page rule holds '<'");
    let mut out = String::with_capacity(css.len());
    for word in without_comments.split_whitespace() {
        let joins = out.ends_with(['{', '}', ';', ':', ',']) || word.starts_with(['{', '}', ';', ',', ')']);
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}

fn main() {
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("client-pages.css"), client_pages_css()).unwrap();
    println!("cargo::rerun-if-changed={STYLE}");

    let languages: Vec<_> = LANGUAGES.iter().map(|(name, path)| (*name, *path, parse(path))).collect();
    let (_, first_path, first) = &languages[0];
    for (_, path, entries) in &languages[1..] {
        if let Some(key) = first.keys().find(|k| !entries.contains_key(*k)) {
            panic!("{path} lacks key {key} (present in {first_path})");
        }
        if let Some(key) = entries.keys().find(|k| !first.contains_key(*k)) {
            panic!("{first_path} lacks key {key} (present in {path})");
        }
    }
    let mut out = String::from("/// Every UI text, one field per key of `locales/*.toml`.\npub struct Texts {\n");
    for key in first.keys() {
        writeln!(out, "    pub {key}: &'static str,").unwrap();
    }
    out.push_str("}\n");
    for (name, _, entries) in &languages {
        writeln!(out, "pub const {name}: Texts = Texts {{").unwrap();
        for (key, value) in entries {
            writeln!(out, "    {key}: {value:?},").unwrap();
        }
        out.push_str("};\n");
    }
    std::fs::write(out_dir.join("texts.rs"), out).unwrap();
    for (_, path) in LANGUAGES {
        println!("cargo::rerun-if-changed={path}");
    }
    // `sqlx::migrate!` embeds the migrations; a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=../migrations");
}
