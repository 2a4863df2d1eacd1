//! The catalog as a Markdown page (GitHub flavour: tables, `<details>`).

use std::fmt::Write;

use crate::catalog::{Catalog, IndicatorRow};
use crate::model::{CatalogRule, RuleStatus, Vendor};
use crate::render::{event_label, ops_text, provider_label};

/// Escapes text for HTML inside a table cell.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "&#124;")
        .replace('\n', " ")
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", html(s))
}

pub fn render_markdown(c: &Catalog) -> String {
    let mut s = String::new();
    let total: usize = c.by_vendor.iter().map(|(_, n)| n).sum();
    let sub = if c.include_subtechniques {
        ", sub-techniques included"
    } else {
        ""
    };
    match &c.technique_name {
        Some(n) => {
            let _ = writeln!(s, "# {} {}: rule catalog\n", c.technique, html(n));
        }
        None => {
            let _ = writeln!(s, "# {} rule catalog\n", c.technique);
        }
    }
    let _ = writeln!(
        s,
        "{total} rules are tagged with {}{sub}, out of {} rules loaded ({}); the {} rules their \
         vendors mark deprecated are left out, here and in corpus reach.\n",
        c.technique,
        c.corpus_rules + c.deprecated_rules,
        c.report
            .rules
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        c.deprecated_rules
    );
    for (v, t) in &c.deprecated_under_technique {
        let _ = writeln!(s, "- deprecated, left out: {v}: {}", html(t));
    }
    if !c.deprecated_under_technique.is_empty() {
        s.push('\n');
    }
    let _ = writeln!(s, "| Vendor | Rules |\n|---|---|");
    for (v, n) in &c.by_vendor {
        let _ = writeln!(s, "| {v} | {n} |");
    }
    let _ = writeln!(s, "\n## Events covered\n");
    let _ = writeln!(
        s,
        "{} events are read by at least one rule (inferred from each rule's logsource, event category or data source).\n",
        c.events.len()
    );
    let _ = writeln!(s, "| Provider | Event | Title | Rules |\n|---|---|---|---|");
    for e in &c.events {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            html(&provider_label(&e.event)),
            html(&event_label(&e.event)),
            html(&e.title),
            e.rules
        );
    }
    authoring_guide(&mut s, c);
    rules_section(&mut s, c);
    not_read(&mut s, c);
    s
}

fn authoring_guide(s: &mut String, c: &Catalog) {
    let _ = writeln!(s, "\n## Authoring guide\n");
    let _ = writeln!(
        s,
        "Field names are mapped onto ipchunt's field taxonomy, so Sigma's `Image`, Elastic's `process.name` \
         and Splunk's `process_name` are one row. Each rule counts once per row. Fields that only pick the \
         data source (`host.os.type`, `event.category`, `event.type`, `index`, `sourcetype`, `EventID`, `Channel`...) \
         are left out: the events table covers them.\n"
    );
    let _ = writeln!(
        s,
        "### Fields filtered most ({} distinct)\n",
        c.fields.len()
    );
    let _ = writeln!(
        s,
        "| Field | Rules | Names used | How | Sample values |\n|---|---|---|---|---|"
    );
    for f in &c.fields {
        let names: Vec<String> = f
            .originals
            .iter()
            .map(|(v, n)| format!("{} ({v})", code(if n.is_empty() { "(keyword)" } else { n })))
            .collect();
        let samples: Vec<String> = f.samples.iter().map(|v| code(v)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            code(&f.field),
            f.rules,
            names.join(", "),
            ops_text(&f.ops),
            samples.join(" ")
        );
    }
    let _ = writeln!(
        s,
        "\n### Top indicator values ({} distinct)\n",
        c.indicators.len()
    );
    let _ = writeln!(
        s,
        "(field, operator, value) combinations the rules check, by how many rules under {} use each. \
         Corpus reach counts the rules of the whole corpus (any technique) that check the same combination \
         (value compared ignoring case): high numbers mark common, likely noisy indicators. Expand a value \
         for its rules.\n",
        c.technique
    );
    indicator_table(s, &c.indicators);
    let _ = writeln!(s, "\n### Exclusions ({} distinct)\n", c.exclusions.len());
    let _ = writeln!(
        s,
        "Comparisons the rules exclude at top level (`and not ...`, `!=`), by how many rules exclude each: \
         the false-positive paths the authors learned to filter out.\n"
    );
    indicator_table(s, &c.exclusions);
}

fn indicator_table(s: &mut String, rows: &[IndicatorRow]) {
    let _ = writeln!(
        s,
        "| Field | Op | Value | Rules | Corpus reach |\n|---|---|---|---|---|"
    );
    for i in rows {
        let titles: Vec<String> = i.rule_titles.iter().map(|t| html(t)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | <details><summary>{}</summary>{}</details> | {} | {} |",
            code(&i.field),
            i.op,
            code(&i.value),
            titles.join("<br>"),
            i.rules,
            i.corpus_reach
        );
    }
}

fn rules_section(s: &mut String, c: &Catalog) {
    let _ = writeln!(s, "\n## Rules under this technique\n");
    for v in Vendor::ALL {
        let rules: Vec<&CatalogRule> = c.rules.iter().filter(|r| r.vendor == v).collect();
        let _ = writeln!(s, "### {v}: {} rules\n", rules.len());
        for r in rules {
            rule_details(s, r);
        }
        s.push('\n');
    }
}

fn rule_details(s: &mut String, r: &CatalogRule) {
    let _ = write!(s, "<details><summary>{}</summary>\n\n", html(&r.title));
    let _ = writeln!(s, "- file: `{}`", short_path(&r.path));
    let _ = writeln!(s, "- id: `{}`", r.id);
    let _ = writeln!(s, "- techniques: {}", r.techniques.join(", "));
    if !r.logsource.is_empty() {
        let _ = writeln!(s, "- logsource: {}", html(&r.logsource));
    }
    if !r.join_keys.is_empty() {
        let _ = writeln!(s, "- sequence joined by: {}", r.join_keys.join(", "));
    }
    if let RuleStatus::NotParsed(why) = &r.status {
        let _ = writeln!(s, "- **not parsed**: {}", html(why));
    }
    for (label, excl) in [("predicates", false), ("exclusions", true)] {
        let items: Vec<String> = r
            .predicates
            .iter()
            .filter(|p| p.top_level_exclusion == excl)
            .map(|p| {
                let neg = if p.negated { "not " } else { "" };
                let name = if p.original == p.field {
                    code(&p.field)
                } else {
                    format!("{} ({})", code(&p.field), code(&p.original))
                };
                format!("{neg}{name} {} {}", p.op, code(&p.value))
            })
            .collect();
        if !items.is_empty() {
            let _ = writeln!(s, "- {label}:");
            for i in items {
                let _ = writeln!(s, "  - {i}");
            }
        }
    }
    if !r.unparsed.is_empty() {
        let _ = writeln!(s, "- not read:");
        for u in &r.unparsed {
            let _ = writeln!(s, "  - {}: {}", code(&u.fragment), html(&u.reason));
        }
    }
    let _ = writeln!(s, "\n</details>\n");
}

/// The path from the corpus directory on (`sigma/rules/...`), so the page
/// does not depend on where the corpus sits.
fn short_path(p: &str) -> &str {
    p.find("/corpus/").map_or(p, |i| &p[i + "/corpus/".len()..])
}

fn not_read(s: &mut String, c: &Catalog) {
    let _ = writeln!(s, "## What was not read\n");
    let _ = writeln!(
        s,
        "{} fragments of these rules were not turned into predicates; {} rules were not parsed at all. \
         Loading the corpus: {} files read, {} with rules, {} failed, {} skipped (not rules), {} errors.\n",
        c.unparsed.len(),
        c.not_parsed.len(),
        c.report.files_read,
        c.report.files_with_rules,
        c.report.files_failed,
        c.report.skipped.len(),
        c.report.errors.len()
    );
    if !c.unparsed.is_empty() {
        let _ = writeln!(
            s,
            "| Vendor | Rule | Fragment | Reason |\n|---|---|---|---|"
        );
        for u in &c.unparsed {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                u.vendor,
                html(&u.rule),
                code(&u.fragment),
                html(&u.reason)
            );
        }
    }
    for (v, t, why) in &c.not_parsed {
        let _ = writeln!(s, "- {v}: {}: {}", html(t), html(why));
    }
}
