//! Reading one document of a tagged stream (NDJSON) through a flat struct that holds every
//! field of every kind: each kind takes the fields it needs, and a missing one is named.

/// The document being read, for what a missing field is called ("a start line").
pub(crate) struct Document(pub String);

impl Document {
    /// `value`, or the error that this document lacks `field`.
    pub(crate) fn needs<T>(&self, value: Option<T>, field: &str) -> Result<T, String> {
        value.ok_or_else(|| format!("{} without {field}", self.0))
    }
}
