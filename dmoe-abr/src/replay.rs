//! Replay a recorded session: the recording's first line is the configuration, every other
//! line one input; the agent is rebuilt from the configuration and fed the inputs, and every
//! output comes back as a JSON line, prefixed by nothing else. The same recording always
//! gives the same lines: that is how a field problem is debugged.

use dmoe_core::agent::{Config, Input};
use thiserror::Error;

/// Why a recording could not be replayed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The first line is not `{"config": {...}}`.
    #[error("line 1: not a configuration line: {0}")]
    BadConfig(String),
    /// A line is not an input.
    #[error("line {line}: not an input: {message}")]
    BadInput {
        /// 1-based line.
        line: usize,
        /// What serde said.
        message: String,
    },
    /// The recording is empty.
    #[error("empty recording")]
    Empty,
}

/// Replay `text` (JSON lines). Returns the outputs as JSON lines; an input the agent
/// refused is reported in place as `{"error": "..."}` and the replay goes on, as the
/// original session did.
pub fn replay(text: &str) -> Result<Vec<String>, ReplayError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().ok_or(ReplayError::Empty)?;
    let v: serde_json::Value =
        serde_json::from_str(first).map_err(|e| ReplayError::BadConfig(e.to_string()))?;
    let cfg: Config = serde_json::from_value(v["config"].clone())
        .map_err(|e| ReplayError::BadConfig(e.to_string()))?;
    let mut agent = crate::agent(cfg).map_err(|e| ReplayError::BadConfig(e.to_string()))?;
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let input: Input = serde_json::from_str(line).map_err(|e| ReplayError::BadInput {
            line: i + 2,
            message: e.to_string(),
        })?;
        if let Err(e) = agent.handle_input(input) {
            out.push(serde_json::json!({ "error": e.to_string() }).to_string());
        }
        while let Some(o) = agent.poll_output() {
            // Invariant: outputs serialize (strings, numbers, enums).
            out.push(serde_json::to_string(&o).expect("serializable output"));
        }
    }
    Ok(out)
}
