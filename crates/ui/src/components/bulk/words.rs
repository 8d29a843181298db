//! A bulk dialog's words: counts, the line above the table, a tally, a fate's class.

use flux_web_shared::bulk::{Fate, Tally};

use super::state::{Phase, Row};

pub fn count(n: usize) -> String {
    match n {
        1 => "1 object".to_owned(),
        n => format!("{n} objects"),
    }
}

/// The line above the table: what the pre-flight found, how far the run is, how it ended.
pub fn summary(phase: &Phase, rows: &[Row]) -> String {
    match phase {
        Phase::Checking => "checking".to_owned(),
        Phase::Refused(_) => "refused".to_owned(),
        Phase::Checked(preflight) => words(&preflight.tally),
        Phase::Running { run } => {
            let run = run
                .as_deref()
                .map(|r| format!(" (run {r})"))
                .unwrap_or_default();
            // The rows sent to the run; those still `will_change` have no result yet.
            let mut tally = Tally::default();
            for row in rows.iter().filter(|r| r.sent.is_some()) {
                tally.add(row.item.fate);
            }
            let sent = rows.iter().filter(|r| r.sent.is_some()).count();
            let pending = std::mem::take(&mut tally.will_change);
            format!("{} of {sent} done: {}{run}", sent - pending, words(&tally))
        }
        Phase::Done {
            tally,
            run,
            stopped: None,
        } => format!("done: {} (run {run})", words(tally)),
        Phase::Done {
            tally,
            run,
            stopped: Some(why),
        } => format!("stopped, {why}: {} (run {run})", words(tally)),
    }
}

/// A tally in words, the empty fates left out.
pub fn words(tally: &Tally) -> String {
    let parts: Vec<String> = Fate::ALL
        .iter()
        .map(|fate| (fate, tally.get(*fate)))
        .filter(|(_, n)| *n > 0)
        .map(|(fate, n)| format!("{n} {}", fate.label()))
        .collect();
    if parts.is_empty() {
        "nothing to do".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A fate as a CSS class and a test's handle: its label, hyphenated.
pub fn fate_class(fate: Fate) -> String {
    fate.label().replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_as_words_without_the_empty_fates() {
        let tally = Tally {
            will_change: 200,
            refused: 100,
            ..Tally::default()
        };
        assert_eq!(words(&tally), "200 will change, 100 refused");
        assert_eq!(words(&Tally::default()), "nothing to do");
        assert_eq!(count(1), "1 object");
    }
}
