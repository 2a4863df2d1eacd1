//! Filling an event from a source whose field names may repeat: canonical
//! fields keep their first value (the event model does that), and other
//! names are kept once too, the first value winning.

use ipchunt_core::{Event, FieldKey, Value};

pub struct Fill {
    pub ev: Event,
    others: Vec<Box<str>>,
}

impl Fill {
    pub fn new(ev: Event) -> Self {
        Fill {
            ev,
            others: Vec::new(),
        }
    }

    pub fn put(&mut self, key: FieldKey, v: Value) {
        if let FieldKey::Other(n) = &key {
            if self.others.iter().any(|o| o == n) {
                return;
            }
            self.others.push(n.clone());
        }
        self.ev.push(key, v);
    }

    pub fn into_event(self) -> Event {
        self.ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipchunt_core::{Locator, Provenance, Taxonomy};

    #[test]
    fn first_value_wins_for_every_name() {
        let tax = Taxonomy::builtin();
        let mut f = Fill::new(Event::new(Provenance::new(
            "f".into(),
            Locator::Line(1),
            "t",
        )));
        f.put(tax.resolve("Image"), Value::str("/a"));
        f.put(tax.resolve("Image"), Value::str("/b"));
        f.put(tax.resolve("vendor_x"), Value::Int(1));
        f.put(tax.resolve("vendor_x"), Value::Int(2));
        let ev = f.into_event();
        assert_eq!(ev.len(), 2);
        assert_eq!(
            ev.get_by_name(&tax, "vendor_x").and_then(|v| v.as_i64()),
            Some(1)
        );
    }
}
