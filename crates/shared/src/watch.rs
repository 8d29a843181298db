//! What `GET /api/v1/watch` streams: one Server-Sent Event a change, named by its `type`, its
//! data this JSON.

use serde::{Deserialize, Serialize};

use crate::actions::Target;
use crate::objects::StatusSummary;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Change {
    /// The object was created or changed; `summary` is its state now.
    Changed {
        target: Target,
        summary: StatusSummary,
    },
    /// The object is gone.
    Deleted { target: Target },
    /// Changes may have been missed (the server re-listed, or this client fell behind):
    /// refetch what the page shows.
    Resync,
}

impl Change {
    /// The SSE event name, so browsers can listen to one type.
    pub fn event_name(&self) -> &'static str {
        match self {
            Change::Changed { .. } => "changed",
            Change::Deleted { .. } => "deleted",
            Change::Resync => "resync",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_tagged_by_its_type_and_named_the_same() {
        let target = Target {
            group: "kustomize.toolkit.fluxcd.io".into(),
            version: "v1".into(),
            kind: "Kustomization".into(),
            namespace: "apps".into(),
            name: "web".into(),
        };
        let changed = Change::Changed {
            target: target.clone(),
            summary: StatusSummary::ready(),
        };
        let json = serde_json::to_value(&changed).unwrap();
        assert_eq!(json["type"], "changed");
        assert_eq!(json["summary"]["state"], "ready");
        assert_eq!(changed.event_name(), "changed");
        let deleted = serde_json::to_value(Change::Deleted { target }).unwrap();
        assert_eq!(deleted["type"], "deleted");
        assert_eq!(deleted["target"]["name"], "web");
        assert_eq!(
            serde_json::to_string(&Change::Resync).unwrap(),
            r#"{"type":"resync"}"#
        );
    }
}
