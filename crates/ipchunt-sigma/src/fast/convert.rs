//! A document read by [`super::yaml`] turned into the [`SigmaRule`] that
//! `rsigma_parser` builds from it, for detection rules whose reading raises
//! no warning. Anything else (correlations, filters, collection actions,
//! array selectors, a value the parser would warn about) is declined.

use std::collections::HashMap;

use rsigma_parser::{
    Detection, DetectionItem, Detections, LogSource, Modifier, Related, SigmaRule, SigmaValue,
    parse_condition, parse_field_spec,
};
use yaml_serde::{Mapping, Value};

use super::yaml::Decline;

/// Keys of a rule that are not custom attributes.
const STANDARD: &[&str] = &[
    "title",
    "sigma-version",
    "id",
    "related",
    "name",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "references",
    "date",
    "modified",
    "logsource",
    "detection",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
    "custom_attributes",
];

pub(crate) fn rule(doc: &Value) -> Result<SigmaRule, Decline> {
    let m = doc.as_mapping().ok_or("document is not a mapping")?;
    for k in [
        "action",
        "correlation",
        "filter",
        "sigma-version",
        "custom_attributes",
    ] {
        if m.contains_key(k) {
            return Err("action, correlation, filter, sigma-version or custom_attributes");
        }
    }
    let title = string(m, "title").ok_or("no title")?.to_owned();
    let detection = detections(m.get("detection").ok_or("no detection")?)?;
    let logsource = match m.get("logsource") {
        Some(v) => logsource(v)?,
        None => LogSource::default(),
    };
    let mut custom_attributes = HashMap::new();
    for (k, v) in m {
        let k = k.as_str().ok_or("key that is not a string")?;
        if !STANDARD.contains(&k) {
            custom_attributes.insert(k.to_owned(), v.clone());
        }
    }
    let owned = |key| string(m, key).map(str::to_owned);
    Ok(SigmaRule {
        title,
        logsource,
        detection,
        sigma_version: None,
        id: owned("id"),
        name: owned("name"),
        related: related(m.get("related"))?,
        taxonomy: owned("taxonomy"),
        status: parsed(string(m, "status"))?,
        description: owned("description"),
        license: owned("license"),
        author: owned("author"),
        references: strings(m, "references"),
        date: owned("date"),
        modified: owned("modified"),
        fields: strings(m, "fields"),
        falsepositives: strings(m, "falsepositives"),
        level: parsed(string(m, "level"))?,
        tags: strings(m, "tags"),
        scope: strings(m, "scope"),
        custom_attributes,
    })
}

fn string<'a>(m: &'a Mapping, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

/// One string or the strings of a list; anything else counts as none.
fn strings(m: &Mapping, key: &str) -> Vec<String> {
    match m.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(seq)) => seq
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A status or level: a string that does not name one is a warning.
fn parsed<T: std::str::FromStr>(raw: Option<&str>) -> Result<Option<T>, Decline> {
    raw.map(|s| s.parse().map_err(|_| "invalid status or level"))
        .transpose()
}

fn related(v: Option<&Value>) -> Result<Vec<Related>, Decline> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let seq = v.as_sequence().ok_or("related is not a list")?;
    seq.iter()
        .map(|item| {
            let m = item.as_mapping().ok_or("related entry is not a mapping")?;
            let id = string(m, "id").ok_or("related entry without id")?;
            let kind = string(m, "type").ok_or("related entry without type")?;
            Ok(Related {
                id: id.to_owned(),
                relation_type: kind.parse().map_err(|_| "related entry of unknown type")?,
            })
        })
        .collect()
}

fn logsource(v: &Value) -> Result<LogSource, Decline> {
    let m = v.as_mapping().ok_or("logsource is not a mapping")?;
    let mut ls = LogSource::default();
    for (k, v) in m {
        let k = k.as_str().ok_or("key that is not a string")?;
        let slot = match k {
            "category" => &mut ls.category,
            "product" => &mut ls.product,
            "service" => &mut ls.service,
            "definition" => &mut ls.definition,
            _ => {
                // The parser skips (and logs) a custom entry that is not a
                // string, and keeps an empty key out.
                if let (Some(s), false) = (v.as_str(), k.is_empty()) {
                    ls.custom.insert(k.to_owned(), s.to_owned());
                }
                continue;
            }
        };
        *slot = v.as_str().map(str::to_owned);
    }
    Ok(ls)
}

fn detections(v: &Value) -> Result<Detections, Decline> {
    let m = v.as_mapping().ok_or("detection is not a mapping")?;
    let condition_strings: Vec<String> = match m.get("condition").ok_or("no condition")? {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(seq) => seq
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .ok_or("condition item not a string")
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("condition is neither a string nor a list"),
    };
    let conditions = condition_strings
        .iter()
        .map(|c| parse_condition(c).map_err(|_| "condition does not parse"))
        .collect::<Result<_, _>>()?;
    let timeframe = match m.get("timeframe") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("timeframe is not a string"),
    };
    let mut named = HashMap::new();
    for (k, v) in m {
        let k = k.as_str().ok_or("key that is not a string")?;
        if k != "condition" && k != "timeframe" {
            named.insert(k.to_owned(), detection(v)?);
        }
    }
    Ok(Detections {
        named,
        conditions,
        condition_strings,
        timeframe,
    })
}

fn detection(v: &Value) -> Result<Detection, Decline> {
    match v {
        Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| item(k.as_str().ok_or("key that is not a string")?, v))
            .collect::<Result<_, _>>()
            .map(Detection::AllOf),
        Value::Sequence(seq) if seq.iter().all(is_scalar) => Ok(Detection::Keywords(
            seq.iter().map(SigmaValue::from_yaml).collect(),
        )),
        Value::Sequence(seq) => seq
            .iter()
            .map(detection)
            .collect::<Result<_, _>>()
            .map(Detection::AnyOf),
        Value::Tagged(_) => Err("tagged value"),
        _ => Ok(Detection::Keywords(vec![SigmaValue::from_yaml(v)])),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
    )
}

/// `field|modifiers: value or list of values`.
fn item(key: &str, v: &Value) -> Result<DetectionItem, Decline> {
    if key.contains(['[', ']']) {
        return Err("bracket in a detection key");
    }
    let field = parse_field_spec(key).map_err(|_| "field or modifier the parser refuses")?;
    let raw = field.has_modifier(Modifier::Re);
    let one = |v: &Value| match v {
        Value::String(s) if raw => Ok(SigmaValue::from_raw_string(s)),
        _ if is_scalar(v) => Ok(SigmaValue::from_yaml(v)),
        _ => Err("detection value that is not a scalar"),
    };
    let values = match v {
        Value::Sequence(seq) => seq.iter().map(one).collect::<Result<_, _>>()?,
        _ => vec![one(v)?],
    };
    Ok(DetectionItem { field, values })
}
