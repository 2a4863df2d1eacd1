//! The IPC graph drawn in columns: processes by spawn and access depth,
//! endpoints in the last column, edges as curves coloured by kind.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use ipchunt_investigate::{Edge, EdgeKind, Graph, Node};

use crate::escape::{clip, esc};

/// At most this many edges are drawn (the most frequent).
const MAX_EDGES: usize = 120;
const COL: f64 = 250.0;
const ROW: f64 = 24.0;
const BOX: f64 = 200.0;
const MAX_DEPTH: usize = 6;

fn colour(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Create => "#8e44ad",
        EdgeKind::Connect => "#2874a6",
        EdgeKind::Access => "#c0392b",
        EdgeKind::Spawn => "#555555",
    }
}

/// Column of every node: process depth along process-to-process edges,
/// endpoints after the deepest process.
fn columns(nodes: &BTreeMap<&str, &Node>, edges: &[&Edge]) -> BTreeMap<String, usize> {
    let mut col: BTreeMap<String, usize> = BTreeMap::new();
    for (id, n) in nodes {
        if n.kind == "process" {
            col.insert((*id).to_owned(), 0);
        }
    }
    // Longest path by relaxation, bounded in depth so cycles end.
    for _ in 0..MAX_DEPTH {
        let mut changed = false;
        for e in edges {
            let (Some(&a), Some(&b)) = (col.get(&e.from), col.get(&e.to)) else {
                continue;
            };
            if b <= a && a < MAX_DEPTH && e.from != e.to {
                col.insert(e.to.clone(), a + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let last = col.values().copied().max().map_or(0, |m| m + 1);
    for (id, n) in nodes {
        if n.kind != "process" {
            col.insert((*id).to_owned(), last);
        }
    }
    col
}

pub(crate) fn graph(out: &mut String, g: &Graph) {
    out.push_str("<section id=\"graph\"><h2>IPC graph</h2>");
    if g.edges.is_empty() {
        out.push_str("<p class=\"mute\">No IPC edges.</p></section>\n");
        return;
    }
    let mut edges: Vec<&Edge> = g.edges.iter().collect();
    edges.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.from.cmp(&b.from)));
    edges.truncate(MAX_EDGES);
    let used: BTreeSet<&str> = edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    let nodes: BTreeMap<&str, &Node> = g
        .nodes
        .iter()
        .filter(|n| used.contains(n.id.as_str()))
        .map(|n| (n.id.as_str(), n))
        .collect();
    let col = columns(&nodes, &edges);
    let mut per_col: BTreeMap<usize, Vec<&Node>> = BTreeMap::new();
    for (id, n) in &nodes {
        per_col.entry(col[*id]).or_default().push(n);
    }
    let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (c, list) in per_col.iter_mut() {
        list.sort_by_key(|n| n.label.to_lowercase());
        for (i, n) in list.iter().enumerate() {
            pos.insert(
                n.id.as_str(),
                (10.0 + *c as f64 * COL, 20.0 + i as f64 * ROW),
            );
        }
    }
    let cols = per_col.keys().max().map_or(1, |m| m + 1);
    let rows = per_col.values().map(Vec::len).max().unwrap_or(1);
    let width = 20.0 + cols as f64 * COL;
    let height = 40.0 + rows as f64 * ROW;
    let _ = write!(
        out,
        "<svg id=\"ipc-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"IPC graph\">"
    );
    for e in &edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (pos.get(e.from.as_str()), pos.get(e.to.as_str()))
        else {
            continue;
        };
        let (sx, sy, tx, ty) = (x1 + BOX, y1 + 8.0, x2, y2 + 8.0);
        let bend = ((tx - sx).abs() / 2.0).max(40.0);
        let w = 1.0 + (e.count as f64).ln_1p().min(4.0);
        let _ = write!(
            out,
            "<path d=\"M{sx:.1} {sy:.1} C{:.1} {sy:.1} {:.1} {ty:.1} {tx:.1} {ty:.1}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{w:.1}\" stroke-opacity=\"0.6\"><title>{} x{} on {} ({} to {})</title></path>",
            sx + bend,
            tx - bend,
            colour(e.kind),
            e.kind.as_str(),
            e.count,
            esc(&clip(&e.hosts.join(", "), 200)),
            esc(&e.first.map(|t| t.to_string()).unwrap_or_default()),
            esc(&e.last.map(|t| t.to_string()).unwrap_or_default()),
        );
    }
    for (id, n) in &nodes {
        let (x, y) = pos[id];
        let fill = if n.kind == "process" {
            "#eaf2f8"
        } else {
            "#f4ecf7"
        };
        let mut tip = format!("{} {}", n.kind, n.label);
        if let Some(u) = &n.user {
            tip.push_str(&format!(" as {u}"));
        }
        if let Some(i) = &n.integrity {
            tip.push_str(&format!(", integrity {i}"));
        }
        let _ = write!(
            out,
            "<g><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX}\" height=\"17\" rx=\"4\" fill=\"{fill}\" stroke=\"#999\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text><title>{}</title></g>",
            x + 4.0,
            y + 12.5,
            esc(&clip(&short(&n.label), 32)),
            esc(&tip)
        );
    }
    out.push_str("</svg>");
    if g.edges.len() > MAX_EDGES {
        let _ = write!(
            out,
            "<p class=\"mute\">The {MAX_EDGES} most frequent of {} edges are drawn.</p>",
            g.edges.len()
        );
    }
    out.push_str("<p class=\"mute\">Edges: grey spawn, blue connect, purple create, red access; thicker is more frequent. Hover for details.</p></section>\n");
}

/// A process image's file name; endpoints as they are.
fn short(label: &str) -> String {
    if label.contains(":\\") || label.starts_with('/') {
        label.rsplit(['\\', '/']).next().unwrap_or(label).to_owned()
    } else {
        label.to_owned()
    }
}
