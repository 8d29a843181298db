//! What a bulk dialog holds: the action asked for, the phase it is in, each object's row,
//! and what a run reports to.

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Item, Preflight, Tally};
use leptos::prelude::*;

/// The actions offered on a selection of Flux objects.
pub const BULK_ACTIONS: [Action; 5] = [
    Action::Reconcile,
    Action::Pull,
    Action::Suspend,
    Action::Resume,
    Action::Reset,
];

/// A bulk action the page asks for: which, and on what.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub action: Action,
    pub request: BulkRequest,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Checking,
    Checked(Preflight),
    /// The run id is known once the server's first line arrives.
    Running {
        run: Option<String>,
    },
    Done {
        tally: Tally,
        run: String,
        /// Why the server stopped the run before every target, if it did.
        stopped: Option<String>,
    },
    Refused(String),
}

/// One row of the table: the pre-flight's item, then the run's.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: Item,
    /// Its position among the targets sent to the run, if it was sent.
    pub sent: Option<usize>,
}

/// What a run reports to: the dialog's phase and rows, while its ask is still shown.
#[derive(Clone, Copy)]
pub struct View {
    pub phase: RwSignal<Phase>,
    pub rows: RwSignal<Vec<Row>>,
    pub generation: StoredValue<u64>,
}

/// What the user wrote for a suspend: why, and until when.
pub struct Said {
    pub reason: Option<String>,
    pub until: Option<String>,
}
