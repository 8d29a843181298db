//! The audit trail's words, which the server writes and the timeline reads back: the reasons
//! of flux-web's Events and the annotations that say who did what.

/// Reason of the Event of an action done.
pub const REASON: &str = "WebAction";
/// Reason of the Warning event of a refused or failed action (`auditDenied`, our addition).
pub const REASON_REFUSED: &str = "WebActionRefused";
/// Who acted, on an audit Event.
pub const USERNAME_ANNOTATION: &str = "event.toolkit.fluxcd.io/username";
/// The action, on an audit Event.
pub const ACTION_ANNOTATION: &str = "event.toolkit.fluxcd.io/action";
/// What a workload action touched (`Kind/namespace/name`), on the audit Event of the Flux
/// object that manages it.
pub const SUBJECT_ANNOTATION: &str = "event.toolkit.fluxcd.io/subject";
/// The component that reports flux-web's Events.
pub const COMPONENT: &str = "flux-web";
