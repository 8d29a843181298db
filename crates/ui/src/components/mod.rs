//! Pieces the pages share.
//!
//! - [`badge`] — an object's state in one word.
//! - [`blocked`] — what keeps a failed object from being ready, with a link.
//! - [`focus`] — moving the keyboard focus.
//! - [`dialog`] — modal dialogs (native `<dialog>`: focus stays inside, Escape closes).
//! - [`toast`] — success and failure messages.
//! - [`palette`] — the command palette (Ctrl+K): the named commands of the page in view.
//! - [`act`] — taking an action on one object (a Leptos `Action`): once at a time, its outcome
//!   in a toast.
//! - [`action_bar`] — the actions of an object, as its listing allows them.
//! - [`confirm`] — asking before an action: what it does, its dry run, its commands.
//! - [`copy_as`] — the `curl`, `flux` and `kubectl` of what a dialog is about to do.
//! - [`bulk`] — one action on many objects: pre-flight, confirmation, progress, report.
//! - [`logs`] — a workload's container logs: merged, filtered, followed, downloaded.
//! - [`tabs`] — tabs whose choice is in the URL (`?tab=`).
//! - [`search`] — the header's quick search (`/`), with `kind:`, `ns:`, `status:`.
//! - [`keys`] — the keyboard map and its `?` sheet.
//! - [`live`] — the header's word on the live streams.
//! - [`favourites`] — the objects starred in this browser.
//! - [`object_link`] — a link to an object's page.
//! - [`link`] — links to flux-web's own pages, beneath the path it is served under.
//! - [`preview`] — a Kustomization's preview as people read it, in its tab and its confirmations.

pub mod act;
pub mod action_bar;
pub mod badge;
pub mod blocked;
pub mod bulk;
pub mod confirm;
pub mod copy_as;
pub mod dialog;
pub mod favourites;
pub mod focus;
pub mod keys;
pub mod link;
pub mod live;
pub mod logs;
pub mod object_link;
pub mod palette;
pub mod preview;
pub mod search;
pub mod tabs;
pub mod toast;
