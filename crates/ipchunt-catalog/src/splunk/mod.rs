//! Splunk security_content detection YAML: `tags.mitre_attack_id`,
//! `data_source` and the predicates of the `search`.

pub(crate) mod spl;
pub(crate) mod spl_expr;

use ipchunt_core::Taxonomy;
use serde::Deserialize;

use crate::LoadError;
use crate::fields::{Scope, add_events, add_query, datamodel_category, events_for};
use crate::model::{CatalogRule, EventRef, Vendor};

#[derive(Debug, Deserialize)]
struct Detection {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    search: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    data_source: Vec<String>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Debug, Default, Deserialize)]
struct Tags {
    #[serde(default)]
    mitre_attack_id: Vec<String>,
}

/// Reads one security_content detection.
pub fn load_splunk(path: &str, text: &str, tax: &Taxonomy) -> Result<CatalogRule, LoadError> {
    let d: Detection = yaml_serde::from_str(text)
        .map_err(|e| LoadError::new(path, format!("invalid detection YAML: {e}")))?;
    let mut out = CatalogRule::new(Vendor::Splunk, path.to_owned());
    out.id = d.id;
    out.title = d.name;
    out.deprecated = d
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("deprecated"));
    out.techniques = d
        .tags
        .mitre_attack_id
        .iter()
        .map(|t| t.trim().to_ascii_uppercase())
        .collect();
    let Some(search) = d.search.as_deref().filter(|s| !s.trim().is_empty()) else {
        out.status = crate::model::RuleStatus::NotParsed("no search".into());
        return Ok(out);
    };
    let q = spl::parse_spl(search);
    add_query(&mut out, &q.expr, tax, Scope::Cim);
    let mut ls = Vec::new();
    if !d.data_source.is_empty() {
        ls.push(format!("data_source: {}", d.data_source.join(", ")));
    }
    if !q.datamodels.is_empty() {
        ls.push(format!("datamodel: {}", q.datamodels.join(", ")));
    }
    out.logsource = ls.join("; ");
    for ds in &d.data_source {
        for part in ds.split(" AND ") {
            add_events(&mut out.events, data_source_events(tax, part.trim()));
        }
    }
    if d.data_source.is_empty() {
        for dm in &q.datamodels {
            if let Some(cat) = datamodel_category(dm) {
                out.events
                    .extend(events_for(tax, Some("windows"), Some(cat), None));
            }
        }
    }
    Ok(out)
}

/// `Sysmon EventID 1`, `Windows Event Log Security 4688`, `Powershell
/// Script Block Logging 4104`...; other data sources are kept by name.
fn data_source_events(tax: &Taxonomy, ds: &str) -> Vec<EventRef> {
    let last_num = ds.rsplit(' ').next().and_then(|n| n.parse::<u32>().ok());
    let known = |channel: &str, provider: Option<&str>| {
        vec![EventRef {
            channel: Some(channel.to_owned()),
            provider: provider.map(str::to_owned),
            event_id: last_num,
            qualifier: None,
        }]
    };
    match last_num {
        Some(_) if ds.starts_with("Sysmon for Linux EventID") => {
            known("Linux-Sysmon/Operational", Some("Linux-Sysmon"))
        }
        Some(_) if ds.starts_with("Sysmon EventID") => known(
            "Microsoft-Windows-Sysmon/Operational",
            Some("Microsoft-Windows-Sysmon"),
        ),
        Some(_)
            if ds.starts_with("Windows Event Log Security")
                || ds.starts_with("Windows Security") =>
        {
            known("Security", Some("Microsoft-Windows-Security-Auditing"))
        }
        Some(_) if ds.starts_with("Windows Event Log System") => known("System", None),
        Some(_) if ds.starts_with("Windows Event Log Application") => known("Application", None),
        Some(_) if ds.starts_with("Powershell Script Block Logging") => {
            events_for(tax, Some("windows"), Some("ps_script"), None)
        }
        _ => vec![EventRef {
            channel: None,
            provider: Some(ds.to_owned()),
            event_id: None,
            qualifier: None,
        }],
    }
}

#[cfg(test)]
mod tests;
