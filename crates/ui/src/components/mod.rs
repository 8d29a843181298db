//! Pieces the pages share.
//!
//! - [`badge`] — an object's state in one word.
//! - [`focus`] — moving the keyboard focus.
//! - [`dialog`] — modal dialogs (native `<dialog>`: focus stays inside, Escape closes).
//! - [`toast`] — success and failure messages.
//! - [`palette`] — the command palette (Ctrl+K): the named commands of the page in view.
//! - [`action_bar`] — the actions of an object, as its listing allows them.
//! - [`bulk`] — one action on many objects: pre-flight, confirmation, progress, report.
//! - [`logs`] — a workload's container logs: merged, filtered, followed, downloaded.
//! - [`search`] — the header's quick search (`/`), with `kind:`, `ns:`, `status:`.
//! - [`keys`] — the keyboard map and its `?` sheet.
//! - [`live`] — the header's word on the live streams.
//! - [`favourites`] — the objects starred in this browser.

pub mod action_bar;
pub mod badge;
pub mod bulk;
pub mod dialog;
pub mod favourites;
pub mod focus;
pub mod keys;
pub mod live;
pub mod logs;
pub mod palette;
pub mod search;
pub mod toast;
