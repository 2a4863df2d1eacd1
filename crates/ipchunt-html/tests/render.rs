mod common;

use common::*;

#[test]
fn log_values_never_become_markup() {
    let html = ipchunt_html::render(&payload_report());
    // Exactly the report's own two script elements, no image, no svg onload.
    assert_eq!(html.matches("<script").count(), 2, "script elements");
    assert!(!html.contains("<img"), "an <img> element was written");
    assert!(!html.contains("<svg onload"));
    assert!(!html.contains("<marquee"));
    // The payloads are there, as text.
    assert!(html.contains("&lt;img src=x onerror=&quot;document.title="));
    assert!(html.contains("&lt;script&gt;document.title=&#39;pwned-script&#39;&lt;/script&gt;"));
    // The JSON block cannot be closed from inside.
    let start = html
        .find("<script type=\"application/json\" id=\"ipchunt-data\">")
        .unwrap();
    let body = &html[start..];
    let end = body.find("</script>").unwrap();
    let json = &body[body.find('>').unwrap() + 1..end];
    assert!(!json.contains('<') && !json.contains('\u{2028}'));
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["detections"][0]["host"], format!("WS1{ATTR}"));
}

#[test]
fn report_has_every_section() {
    let html = ipchunt_html::render(&payload_report());
    for id in [
        "summary",
        "detections",
        "timeline-chart",
        "ipc-graph",
        "det-0",
        "det-1",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing {id}");
    }
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src &#39;none&#39;"));
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(fetch), "a network resource: {fetch}");
    }
    // Per detection: decision, process tree, surrounding IPC, questions.
    assert!(html.contains("<h3>Process tree</h3>"));
    assert!(html.contains("<h3>IPC around the detection</h3>"));
    assert!(
        html.contains(
            "Are the communicating processes typically meant to interact with each other?"
        )
    );
}

#[test]
fn empty_report_renders() {
    let html = ipchunt_html::render(&ipchunt_html::HtmlReport::default());
    assert!(html.contains("No detections."));
    assert!(html.contains("No timed IPC events."));
    assert!(html.contains("No IPC edges."));
}

#[test]
fn details_are_capped_and_the_table_keeps_every_row() {
    let mut r = payload_report();
    let one = r.detections[0].clone();
    r.detections = vec![one; 1003];
    let html = ipchunt_html::render(&r);
    assert_eq!(html.matches("<details class=\"det\"").count(), 1000);
    assert_eq!(html.matches("<tr data-index=").count(), 1003);
    assert!(html.contains("3 more are listed in the table only"));
    // Rows without details have no dangling link.
    assert!(!html.contains("href=\"#det-1002\""));
    assert!(html.contains("href=\"#det-999\""));
}
