//! The document shell: styles, script and security policy.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::escape::{esc, json_for_script};

const STYLE: &str = r#"
:root{--bg:#f7f7f5;--fg:#1d1d1f;--mute:#666;--line:#d8d8d4;--card:#fff;--crit:#7a0019;--high:#c0392b;--med:#d68910;--low:#2874a6;--info:#7f8c8d;--esc:#c0392b;--t1:#d68910;--ben:#1e8449}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1400px;margin:0 auto;padding:12px 20px}
header h1{margin:8px 0 0;font-size:22px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.mute{color:var(--mute)}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eeeeea;position:sticky;top:0}
#detections th{cursor:pointer;user-select:none}
#detections th[aria-sort=ascending]::after{content:" \25B2"}
#detections th[aria-sort=descending]::after{content:" \25BC"}
td.v,pre,code{font-family:ui-monospace,SFMono-Regular,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
td.v{min-width:160px;max-width:420px}
#detections td:nth-child(2),#detections td:nth-child(5){white-space:nowrap}
pre{background:#f0f0ec;padding:8px;overflow:auto;max-height:360px;white-space:pre-wrap}
.lvl,.dec,.w{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;white-space:nowrap}
.lvl-critical{background:var(--crit)}.lvl-high{background:var(--high)}.lvl-medium{background:var(--med)}.lvl-low{background:var(--low)}.lvl-informational{background:var(--info)}
.dec-escalate_tier2{background:var(--esc)}.dec-tier1_review{background:var(--t1)}.dec-likely_benign{background:var(--ben)}
.w-strong{background:var(--esc)}.w-moderate{background:var(--t1)}.w-info{background:var(--info)}.w-benign{background:var(--ben)}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0}
.filters label{display:flex;gap:4px;align-items:center}
details.det{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:6px 12px}
details.det>summary{cursor:pointer;font-weight:600}
dl.answers dt{font-weight:600;margin-top:8px}
dl.answers dd{margin-left:18px}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:18px}
ul.tree li{margin:2px 0}
.me{background:#fff3c4;font-weight:600}
.unseen{color:var(--mute);font-style:italic}
tr.burst td{background:#fdecea}
svg{background:var(--card);border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1d1d1f}
"#;

const SCRIPT: &str = r#"(function () {
  'use strict';
  var el = document.getElementById('ipchunt-data');
  var data = el ? JSON.parse(el.textContent) : { detections: [] };
  var table = document.getElementById('detections');
  if (!table || !table.tBodies.length) { return; }
  var tbody = table.tBodies[0];
  var f = {
    level: document.getElementById('f-level'),
    host: document.getElementById('f-host'),
    tech: document.getElementById('f-tech'),
    decision: document.getElementById('f-decision'),
    text: document.getElementById('f-text')
  };
  function uniq(list) {
    var seen = Object.create(null), out = [];
    list.forEach(function (v) { if (!(v in seen)) { seen[v] = true; out.push(v); } });
    return out.sort();
  }
  function fill(select, values) {
    values.forEach(function (v) {
      var o = document.createElement('option');
      o.value = v;
      o.textContent = v;
      select.appendChild(o);
    });
  }
  fill(f.host, uniq(data.detections.map(function (d) { return d.host; })));
  fill(f.tech, uniq([].concat.apply([], data.detections.map(function (d) { return d.techniques; }))));
  var rank = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };
  function apply() {
    var min = f.level.value === '' ? -1 : rank[f.level.value];
    var q = f.text.value.toLowerCase(), shown = 0;
    Array.prototype.forEach.call(tbody.rows, function (row) {
      var d = data.detections[Number(row.getAttribute('data-index'))];
      var ok = !!d && rank[d.level] >= min &&
        (f.host.value === '' || d.host === f.host.value) &&
        (f.tech.value === '' || d.techniques.indexOf(f.tech.value) >= 0) &&
        (f.decision.value === '' || d.decision === f.decision.value) &&
        (q === '' || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById('f-count').textContent = shown + ' of ' + tbody.rows.length + ' shown';
  }
  [f.level, f.host, f.tech, f.decision].forEach(function (s) { s.addEventListener('change', apply); });
  f.text.addEventListener('input', apply);
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(heads, function (c) { c.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var key = function (row) {
        var c = row.cells[i];
        return c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent;
      };
      var rows = Array.prototype.slice.call(tbody.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = Number(x), ny = Number(y);
        var c = (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) ? nx - ny : (x < y ? -1 : (x > y ? 1 : 0));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });
  apply();
})();"#;

/// The policy: nothing from the network, inline styles, only this script.
fn policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'"
    )
}

/// The whole document.
pub(crate) fn document(title: &str, body: &str, data_json: &str) -> String {
    let mut out =
        String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + data_json.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
        esc(&policy())
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str(&format!("<title>{}</title>\n", esc(title)));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(body);
    out.push_str("<script type=\"application/json\" id=\"ipchunt-data\">");
    out.push_str(&json_for_script(data_json));
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}
