//! Prints each rule of the given files or directories in the catalog's
//! normalized form: its events, predicates and unparsed fragments.
//!
//! `cargo run -p ipchunt-catalog --example rules -- PATH...`

use ipchunt_catalog::load_sources;
use ipchunt_core::Taxonomy;

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let (rules, report) = load_sources(&paths, &Taxonomy::builtin());
    for r in rules {
        let events: Vec<String> = r
            .events
            .iter()
            .map(|e| {
                let origin = e
                    .channel
                    .as_deref()
                    .or(e.provider.as_deref())
                    .unwrap_or("?");
                match e.event_id {
                    Some(id) => format!("{origin} {id}"),
                    None => origin.to_owned(),
                }
            })
            .collect();
        println!("== {}: {} [{}]", r.vendor, r.title, r.logsource);
        println!(
            "   techniques: {}; events: {}",
            r.techniques.join(", "),
            events.join(", ")
        );
        for p in &r.predicates {
            let flags = [
                (p.negated, "negated"),
                (p.top_level_exclusion, "exclusion"),
                (p.required, "required"),
            ];
            let flags: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
            println!(
                "   {} ({}) {} {:?} {}",
                p.field,
                p.original,
                p.op,
                p.value,
                flags.join(" ")
            );
        }
        for u in &r.unparsed {
            println!("   not read: {:?}: {}", u.fragment, u.reason);
        }
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
}
