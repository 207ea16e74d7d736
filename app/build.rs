//! Turns `locales/*.toml` (flat `key = "text"` lines) into one `Texts` struct with a constant per
//! language, so a missing or misspelt key is a compile error, and no parser ships in the WASM.

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

fn main() {
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
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("texts.rs");
    std::fs::write(dest, out).unwrap();
    for (_, path) in LANGUAGES {
        println!("cargo::rerun-if-changed={path}");
    }
    // `sqlx::migrate!` embeds the migrations; a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=../migrations");
}
