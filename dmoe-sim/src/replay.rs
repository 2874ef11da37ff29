//! Replay a recorded session: the recording's first line describes the session
//! (`{"config": {...}}` for an agent, `{"advisor": {...}}` for an advisor), every other
//! line is one input; the session is rebuilt from the first line and fed the inputs, and
//! every output comes back as a JSON line. The same recording always gives the same lines:
//! that is how a field problem is debugged, and how the bindings are shown to decide as
//! Rust does.

use dmoe_core::agent::{Config, Input, Output};
use thiserror::Error;

/// Why a recording could not be replayed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The first line is not `{"config": {...}}` or `{"advisor": {...}}`.
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

/// Replay `text` (JSON lines). Returns every output as a JSON line; an input the session
/// refused is reported in place as `{"error": "..."}` and the replay goes on.
pub fn replay(text: &str) -> Result<Vec<String>, ReplayError> {
    replay_outputs(text).map(|v| v.into_iter().map(|(_, line)| line).collect())
}

/// Replay `text`, each output with its parsed form (None for error lines).
pub fn replay_outputs(text: &str) -> Result<Vec<(Option<Output>, String)>, ReplayError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().ok_or(ReplayError::Empty)?;
    let v: serde_json::Value =
        serde_json::from_str(first).map_err(|e| ReplayError::BadConfig(e.to_string()))?;
    let (key, advisor) = if v.get("advisor").is_some() {
        ("advisor", true)
    } else {
        ("config", false)
    };
    let cfg: Config = serde_json::from_value(v[key].clone())
        .map_err(|e| ReplayError::BadConfig(e.to_string()))?;
    if cfg.seed.is_none() {
        return Err(ReplayError::BadConfig(
            "the recording has no seed: it cannot be replayed exactly".into(),
        ));
    }
    let mut session = if advisor {
        Session::Advisor(Box::new(
            dmoe_abr::advisor(cfg).map_err(|e| ReplayError::BadConfig(e.to_string()))?,
        ))
    } else {
        Session::Agent(Box::new(
            dmoe_abr::agent(cfg).map_err(|e| ReplayError::BadConfig(e.to_string()))?,
        ))
    };
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let input: Input = serde_json::from_str(line).map_err(|e| ReplayError::BadInput {
            line: i + 2,
            message: e.to_string(),
        })?;
        let r = match &mut session {
            Session::Agent(a) => a.handle_input(input),
            Session::Advisor(a) => a.handle_input(input),
        };
        if let Err(e) = r {
            out.push((
                None,
                serde_json::json!({ "error": e.to_string() }).to_string(),
            ));
        }
        loop {
            let o = match &mut session {
                Session::Agent(a) => a.poll_output(),
                Session::Advisor(a) => a.poll_output(),
            };
            let Some(o) = o else { break };
            // Invariant: outputs serialize (strings, numbers, enums).
            let line = serde_json::to_string(&o).expect("serializable output");
            out.push((Some(o), line));
        }
    }
    Ok(out)
}

enum Session {
    Agent(Box<dmoe_core::agent::Agent>),
    Advisor(Box<dmoe_core::agent::Advisor>),
}
