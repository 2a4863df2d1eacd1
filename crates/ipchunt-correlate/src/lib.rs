//! Sigma correlation rules over time-ordered rule matches.
//!
//! A [`Correlator`] is built from parsed correlation rules
//! ([`rsigma_parser::CorrelationRule`]) and is then fed, in time order, the
//! events that the base detection rules matched. It runs every
//! correlation type of Sigma 2.1: `event_count`, `value_count`,
//! `temporal`, `temporal_ordered`, and the metrics `value_sum`,
//! `value_avg`, `value_percentile` and `value_median`, each with
//! `group-by`, `timespan`, field `aliases`, chaining (a correlation
//! referring to another's hits) and `generate`.
//!
//! # Wiring
//!
//! 1. Load the correlation rules with `rsigma-parser`, and build a map from
//!    every rule `id` and `name` (detection rules and correlation rules)
//!    to a [`RuleRef`]; pass it as `resolve` to [`Correlator::new`].
//!    Report the returned [`CorrelationError`]s as rule rejections.
//! 2. Evaluate at least the base rules of [`Correlator::needed_rules`] on
//!    every event, including rules that [`Correlator::reports_base`] says
//!    should not report their own detections (`generate: false`).
//! 3. Merge the events of all files into one stream in non-decreasing
//!    timestamp order (a k-way merge of per-file streams sorted by
//!    timestamp, ties in file then record order), and call
//!    [`Correlator::observe`] for each needed rule that matched, event by
//!    event. Events without timestamp may be fed anywhere: they are
//!    counted and skipped. Alternatively, collect the matches of the
//!    needed rules in any order (they are few) and hand them to
//!    [`Correlator::correlate_all`], which sorts, feeds and finishes.
//! 4. Call [`Correlator::finish`] at the end. Report a hit as a
//!    detection when [`Correlator::reports_correlation`] says so, with
//!    the last of `info.events` as the detection's event.
//!
//! # Windows and when a hit is emitted
//!
//! Windows slide: an input at time `t` is judged with the inputs of its
//! group at or after `t - timespan`.
//!
//! * A condition made only of lower bounds (`gt`, `gte`, and the default
//!   "all rules" of temporal correlations) is judged as each input arrives:
//!   the hit is emitted by the input that makes it true, and carries the
//!   window's inputs. The group then stays quiet for one timespan, so a
//!   flood gives one hit per timespan and group, not one per event; the
//!   next hit covers only inputs after the previous one.
//! * A condition with an upper bound or an inequality (`lt`, `lte`, `eq`,
//!   `neq`, ranges such as `gt: 100, lte: 200`) can only be judged on a
//!   complete window. The group's window opens at its first input and
//!   spans one timespan; it is judged when time passes its end (a later
//!   input to the correlator, [`Correlator::advance`] or
//!   [`Correlator::finish`]), then forgotten; the group's next input opens
//!   the next window. A group with no input has no window: the absence
//!   of events is never reported.
//!
//! # Inputs the correlator cannot place
//!
//! * An event without timestamp is not used (counted in
//!   [`CorrelatorStats::untimed`]): a time window cannot hold it.
//! * An event older than one already fed (the caller broke the time
//!   order) is taken as happening at the latest time seen so far, and
//!   counted in [`CorrelatorStats::late`]. Small disorder (files merged
//!   with clocks a little apart) then still correlates; large disorder
//!   gives windows that do not match the events' times.
//! * An input lacking a `group-by` field takes no part in that
//!   correlation (as a `stats count by field` query drops events without
//!   the field); nor does one lacking the condition's `field` (for
//!   `value_count`, every field listed; for the metrics, the first field,
//!   which must hold a number). Both are counted.
//!
//! # Extensions `rsigma-parser` reads
//!
//! A temporal correlation may give a boolean condition over its rules
//! instead of a threshold (`condition: a and not b`, `2 of recon_*`).
//! Without `not` it is judged as inputs arrive; with `not` (the absence
//! of a rule) on complete windows.
//!
//! # Other window modes
//!
//! `window: tumbling` (back-to-back windows of one timespan aligned on
//! the Unix epoch) and `window: session` with a `gap` (a window that lasts
//! while the group's inputs come at most `gap` apart, and at most one
//! timespan in all) are extensions that `rsigma-parser` reads. Their
//! windows are always judged once complete, whatever the condition.
//!
//! Memory holds, per group, the inputs of its current window only:
//! groups idle for a timespan are dropped.

mod boolean;
mod condition;
mod engine;
mod error;
mod input;
mod plan;
mod setup;
mod state;
mod window;

use std::sync::Arc;

use ipchunt_core::{CorrelationInfo, Event, Taxonomy};
use jiff::Timestamp;

pub use error::{CorrelationError, CorrelationErrorKind};

use engine::{Routes, Runtime};
use input::Input;

/// What a name in a correlation's `rules:` list refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleRef {
    /// A detection rule, by the caller's index.
    Base(usize),
    /// A correlation rule, by its index in the slice given to
    /// [`Correlator::new`].
    Correlation(usize),
}

/// A correlation that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationHit {
    /// The correlation's index in the slice given to [`Correlator::new`].
    pub correlation: usize,
    pub info: CorrelationInfo,
}

/// Counters of what the correlator saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorrelatorStats {
    /// Matches of referenced base rules fed to [`Correlator::observe`].
    pub observed: u64,
    /// Of those, matches on events without timestamp (not used).
    pub untimed: u64,
    /// Of those, matches older than an earlier one (used at the latest
    /// time seen).
    pub late: u64,
    /// Inputs a correlation skipped for lack of a `group-by` field.
    pub missing_group_field: u64,
    /// Inputs a correlation skipped for lack of its condition's field
    /// (or of a number in it, for the metrics).
    pub missing_value_field: u64,
    /// Hits emitted, those of correlations referred to by others included.
    pub hits: u64,
    /// Groups holding state now.
    pub open_groups: usize,
    /// Inputs (events or hits) held in their windows now.
    pub held_inputs: usize,
}

/// Runs correlation rules over rule matches fed in time order.
pub struct Correlator {
    routes: Routes,
    rt: Runtime,
    needed: Vec<usize>,
    generate: Vec<bool>,
    base_reported: ahash::AHashMap<usize, bool>,
    corr_reported: Vec<bool>,
}

impl Correlator {
    /// Builds the correlator. `rules` are the correlation rules (a hit's
    /// `correlation` is an index in it); `resolve` maps a reference as
    /// written in `rules:` or in an alias (a rule's id or name) to a base
    /// rule or another correlation; `tax` resolves field names. Rules
    /// that cannot be used are returned with the reason; the others run.
    pub fn new(
        rules: &[rsigma_parser::CorrelationRule],
        resolve: &dyn Fn(&str) -> Option<RuleRef>,
        tax: &Taxonomy,
    ) -> (Correlator, Vec<CorrelationError>) {
        let built = setup::build(rules, resolve, tax);
        let correlator = Correlator {
            rt: Runtime::new(built.states),
            routes: built.routes,
            needed: built.needed,
            generate: built.generate,
            base_reported: built.base_reported,
            corr_reported: built.corr_reported,
        };
        (correlator, built.errors)
    }

    /// Feeds one match of base rule `base_rule` on `ev`, and returns the
    /// hits it (and the passage of time up to its timestamp) caused.
    ///
    /// Matches must come in non-decreasing timestamp order across all
    /// files (see the crate documentation for what happens otherwise).
    /// When one event matches several rules, feed each match, one after
    /// the other. Matches of rules no correlation refers to are ignored.
    pub fn observe(&mut self, base_rule: usize, ev: &Arc<Event>) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        let Some(targets) = self.routes.by_base.get(&base_rule) else {
            return out;
        };
        self.rt.stats.observed += 1;
        let Some(ts) = ev.prov.timestamp else {
            self.rt.stats.untimed += 1;
            return out;
        };
        let t = self.rt.place(ts);
        self.rt.run_until(&self.routes, t, &mut out);
        for &target in targets {
            self.rt
                .deliver(&self.routes, target, t, Input::Event(ev), &mut out);
        }
        out
    }

    /// Tells the correlator that time has reached `ts` (for example the
    /// timestamp of an event no rule matched), so that complete windows
    /// ending before it are judged now. Optional: `observe` and `finish`
    /// do the same. A time older than the latest seen does nothing.
    pub fn advance(&mut self, ts: Timestamp) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        let t = crate::engine::nanos(ts);
        if self.rt.clock.is_none_or(|c| t > c) {
            self.rt.run_until(&self.routes, t, &mut out);
        }
        out
    }

    /// Ends the input: judges every open complete window, returns the
    /// hits, and forgets all state (the correlator may then be fed anew).
    pub fn finish(&mut self) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        self.rt.finish(&self.routes, &mut out);
        out
    }

    /// Runs a whole batch: sorts `matches` (base rule, event) by event
    /// timestamp, stably (matches without timestamp first, where they are
    /// skipped), feeds them all and finishes. For callers that collect the
    /// matches of [`Correlator::needed_rules`] from several files or
    /// threads in any order.
    pub fn correlate_all(&mut self, matches: &mut [(usize, Arc<Event>)]) -> Vec<CorrelationHit> {
        matches.sort_by_key(|(_, ev)| ev.prov.timestamp);
        let mut out = Vec::new();
        for (rule, ev) in matches.iter() {
            out.extend(self.observe(*rule, ev));
        }
        out.extend(self.finish());
        out
    }

    /// The base rules that usable correlations refer to, ascending: the
    /// matches to feed to [`Correlator::observe`].
    pub fn needed_rules(&self) -> Vec<usize> {
        self.needed.clone()
    }

    /// Whether correlation `correlation` is usable (not rejected by `new`).
    pub fn is_usable(&self, correlation: usize) -> bool {
        matches!(self.rt.states.get(correlation), Some(Some(_)))
    }

    /// The correlation's `generate` flag: whether the rules it refers to
    /// also report their own matches.
    pub fn generates(&self, correlation: usize) -> bool {
        self.generate.get(correlation).copied().unwrap_or(false)
    }

    /// Whether base rule `base_rule`'s own matches should be reported as
    /// detections: true unless every usable correlation referring to it
    /// leaves `generate` at its default, false.
    pub fn reports_base(&self, base_rule: usize) -> bool {
        self.base_reported.get(&base_rule).copied().unwrap_or(true)
    }

    /// Whether correlation `correlation`'s hits should be reported as
    /// detections: true for a usable correlation unless it only serves
    /// others (every correlation referring to it has `generate: false`).
    pub fn reports_correlation(&self, correlation: usize) -> bool {
        self.corr_reported
            .get(correlation)
            .copied()
            .unwrap_or(false)
    }

    pub fn stats(&self) -> CorrelatorStats {
        let (open_groups, held_inputs) = self.rt.open_groups();
        CorrelatorStats {
            missing_group_field: self.rt.skips.missing_group,
            missing_value_field: self.rt.skips.missing_value,
            open_groups,
            held_inputs,
            ..self.rt.stats
        }
    }
}
