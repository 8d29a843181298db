//! A bulk dialog's calls: the pre-flight, then the run, each result written to its row.

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Fate, Preflight, Progress};
use leptos::prelude::*;

use super::state::{Ask, Phase, Row, Said, View};
use crate::api::{self, Address};

pub fn preflight(asked: Ask, phase: RwSignal<Phase>, rows: RwSignal<Vec<Row>>) {
    phase.set(Phase::Checking);
    rows.set(Vec::new());
    leptos::task::spawn_local(async move {
        match api::bulk_preflight(asked.action, &asked.request).await {
            Ok(preflight) => {
                rows.set(
                    preflight
                        .items
                        .iter()
                        .map(|item| Row {
                            item: item.clone(),
                            sent: None,
                        })
                        .collect(),
                );
                phase.set(Phase::Checked(preflight));
            }
            Err(e) => phase.set(Phase::Refused(e.detail())),
        }
    });
}

/// Runs the approved targets with the pre-flight's token; each result updates its row.
pub fn run(asked: Ask, preflight: Preflight, said: Said, view: View, done: Callback<()>) {
    let View {
        phase,
        rows,
        generation,
    } = view;
    let mine = generation.get_value();
    // False too once the dialog's page is gone.
    let current = move || generation.try_get_value() == Some(mine);
    let mut targets = Vec::new();
    rows.update(|rows| {
        for row in rows.iter_mut() {
            if row.item.fate == Fate::WillChange {
                row.sent = Some(targets.len());
                targets.push(Address::of(&row.item.target).to_string());
            }
        }
    });
    let suspend = asked.action == Action::Suspend;
    let request = BulkRequest {
        targets: Some(targets),
        reason: said.reason.filter(|_| suspend),
        until: said.until.filter(|_| suspend),
        token: Some(preflight.token),
        ..BulkRequest::default()
    };
    phase.set(Phase::Running { run: None });
    leptos::task::spawn_local(async move {
        let outcome = api::bulk_run(asked.action, &request, |progress| match progress {
            _ if !current() => {}
            Progress::Start { run, .. } => phase.set(Phase::Running { run: Some(run) }),
            Progress::Result { index, item } => rows.update(|rows| {
                if let Some(row) = rows.iter_mut().find(|r| r.sent == Some(index)) {
                    row.item = item;
                }
            }),
            Progress::End {
                tally,
                run,
                stopped,
            } => phase.set(Phase::Done {
                tally,
                run,
                stopped,
            }),
        })
        .await;
        if !current() {
        } else if let Err(e) = outcome {
            phase.set(Phase::Refused(e.detail()));
        } else if matches!(phase.get_untracked(), Phase::Running { .. }) {
            phase.set(Phase::Refused(
                "the run's progress broke off before its end; reload to see where it stands".into(),
            ));
        }
        done.run(());
    });
}
