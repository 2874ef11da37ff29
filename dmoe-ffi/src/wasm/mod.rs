//! The agent and the advisor for JavaScript (wasm-bindgen; compiled only for wasm32).
//!
//! One typed method per [`Event`]. Units are those of every other surface's JSON: times
//! and media durations in milliseconds (`performance.now()` for the clock), bitrates in
//! bits per second, sizes in bytes. Decisions come out as the same JSON objects as the
//! Rust `Output` and the C ABI's `dmoe_agent_poll_json`. Errors are thrown as JS `Error`s
//! with a `code` (`invalid_input`, `invalid_manifest`, `invalid_config`, `misuse`,
//! `unsupported`, `panic`).
//!
//! The core reads no random source: a session made without a `seed` takes the `entropy`
//! its constructor is given (the package's wrapper passes `crypto.getRandomValues`), and
//! refuses to start without either.
//!
//! In a build with unwinding a panic is caught, reported as `code: "panic"`, and the
//! session refuses further calls; the npm package's size build aborts on a panic instead,
//! which JS sees as a `WebAssembly.RuntimeError`: the package's wrapper
//! (`bindings/js/src`) turns that into the same `code: "panic"` error and retires the
//! instance.

mod events;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use dmoe_core::agent::{
    Advisor, Agent, AgentError, Config, ConfigError, ConfigValue, EdgeEntry, Event, HostRendition,
    HostSegments, Input, Output,
};
use dmoe_core::{ManifestError, Timestamp, ms_to_micros};
use wasm_bindgen::prelude::*;

fn js_error(code: &str, message: &str) -> JsValue {
    let e = js_sys_error(message);
    // Setting a property on an Error object cannot fail for a plain string key.
    let _ = js_set(&e, "code", &JsValue::from_str(code));
    e
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Error)]
    fn js_sys_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set, catch)]
    fn js_set(target: &JsValue, key: &str, value: &JsValue) -> Result<bool, JsValue>;
}

fn code_of(e: &AgentError) -> &'static str {
    match e {
        AgentError::OutputNotDrained
        | AgentError::TimeWentBackwards { .. }
        | AgentError::UnknownRequest(_)
        | AgentError::DuplicateRequest(_)
        | AgentError::UnknownRendition(_)
        | AgentError::WrongSession { .. }
        | AgentError::NoLadder => "misuse",
        AgentError::Manifest(ManifestError::FormatNotBuilt { .. }) => "unsupported",
        AgentError::Manifest(_) => "invalid_manifest",
        AgentError::NothingToPlay => "unsupported",
        _ => "invalid_input",
    }
}

fn invalid(what: &str) -> JsValue {
    js_error("invalid_input", what)
}

/// A host clock reading in milliseconds.
fn ts(ms: f64) -> Result<Timestamp, JsValue> {
    ms_to_micros(ms)
        .map(Timestamp::from_micros)
        .ok_or_else(|| invalid("time must be a finite, non-negative number of ms"))
}

/// Milliseconds as a duration: finite and non-negative (range checks are the agent's).
fn ms(v: f64, what: &str) -> Result<Duration, JsValue> {
    ms_to_micros(v).map(Duration::from_micros).ok_or_else(|| {
        invalid(&format!(
            "{what} must be a finite, non-negative number of ms"
        ))
    })
}

fn opt_ms(v: Option<f64>, what: &str) -> Result<Option<Duration>, JsValue> {
    v.map(|v| ms(v, what)).transpose()
}

/// A whole count (bytes, frames, bits per second): finite, non-negative and an integer.
fn count(n: f64, what: &str) -> Result<u64, JsValue> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 {
        Ok(n as u64)
    } else {
        Err(invalid(&format!(
            "{what} must be a non-negative whole number"
        )))
    }
}

/// An agent's settings, given one by one (the package's `createAgent` walks a config
/// object into these calls): the keys and units of the Rust `Config`'s JSON.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct DmoeConfig {
    cfg: Config,
}

#[wasm_bindgen]
impl DmoeConfig {
    /// The defaults.
    #[wasm_bindgen(constructor)]
    pub fn new() -> DmoeConfig {
        Self::default()
    }

    /// One setting by its key, nested keys dotted (`"max_buffer_ms"`, `"cmcd.mode"`): a
    /// string, number, boolean, or `null` to unset.
    pub fn set(&mut self, key: &str, value: JsValue) -> Result<(), JsValue> {
        let value = if value.is_null() || value.is_undefined() {
            ConfigValue::Null
        } else if let Some(b) = value.as_bool() {
            ConfigValue::Bool(b)
        } else if let Some(n) = value.as_f64() {
            ConfigValue::Number(n)
        } else if let Some(s) = value.as_string() {
            ConfigValue::Text(s)
        } else {
            return Err(js_error(
                "invalid_config",
                "a setting is a string, number, boolean or null",
            ));
        };
        self.cfg
            .set(key, value)
            .map_err(|e| js_error("invalid_config", &e.to_string()))
    }

    /// One more edge (an entry of `edges`); `weight` defaults to 1.
    #[wasm_bindgen(js_name = addEdge)]
    pub fn add_edge(
        &mut self,
        pathway: &str,
        host: Option<String>,
        region: Option<String>,
        weight: Option<f64>,
    ) {
        self.cfg.edges.push(EdgeEntry {
            pathway: pathway.into(),
            host,
            region,
            weight: weight.unwrap_or(1.0),
        });
    }
}

#[derive(Debug)]
enum Session {
    Agent(Box<Agent>),
    Advisor(Box<Advisor>),
}

/// A playback session's decision engine: an agent (it decides every request) or an
/// advisor (the player fetches; it answers which rendition).
#[wasm_bindgen]
#[derive(Debug)]
pub struct DmoeAgent {
    session: Session,
    slot: Option<Output>,
    poisoned: bool,
    /// The ladder being handed over (`addRendition` ... `ladderLoaded`).
    ladder: Vec<HostRendition>,
    /// The segment list being handed over (`addInit` / `addSegment` ... `segmentsLoaded`).
    segments: HostSegments,
}

/// `config` with a seed: its own, or `entropy`.
fn seeded(config: &DmoeConfig, entropy: Option<f64>) -> Result<Config, JsValue> {
    let mut cfg = config.cfg.clone();
    if cfg.seed.is_none() {
        let e = entropy
            .ok_or_else(|| js_error("invalid_config", &ConfigError::MissingSeed.to_string()))?;
        if !(e.is_finite() && e >= 0.0 && e.fract() == 0.0 && e < (1u64 << 53) as f64) {
            return Err(js_error(
                "invalid_config",
                "entropy is a whole number from 0 to 2^53 - 1",
            ));
        }
        cfg.seed = Some(e as u64);
    }
    Ok(cfg)
}

impl DmoeAgent {
    fn wrap(session: Session) -> Self {
        Self {
            session,
            slot: None,
            poisoned: false,
            ladder: Vec::new(),
            segments: HostSegments::default(),
        }
    }

    fn guarded<T>(
        &mut self,
        f: impl FnOnce(&mut Session) -> Result<T, JsValue>,
    ) -> Result<T, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the session is poisoned by an earlier panic",
            ));
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.session))) {
            Ok(r) => r,
            Err(_) => {
                self.poisoned = true;
                Err(js_error("panic", "internal error caught at the boundary"))
            }
        }
    }

    fn feed_at(&mut self, now_ms: f64, event: Event) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        let input = Input::new(at, event);
        self.guarded(|s| {
            match s {
                Session::Agent(a) => a.handle_input(input),
                Session::Advisor(a) => a.handle_input(input),
            }
            .map_err(|e| js_error(code_of(&e), &e.to_string()))
        })
    }
}

#[wasm_bindgen]
impl DmoeAgent {
    /// An agent with these settings (checked here). Without a `seed` in them, `entropy`
    /// (a whole number below 2^53 from a random source) seeds the session.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &DmoeConfig, entropy: Option<f64>) -> Result<DmoeAgent, JsValue> {
        let agent = dmoe_abr::agent(seeded(config, entropy)?)
            .map_err(|e| js_error("invalid_config", &e.to_string()))?;
        Ok(Self::wrap(Session::Agent(Box::new(agent))))
    }

    /// An advisor with these settings, seeded as an agent is.
    pub fn advisor(config: &DmoeConfig, entropy: Option<f64>) -> Result<DmoeAgent, JsValue> {
        let advisor = dmoe_abr::advisor(seeded(config, entropy)?)
            .map_err(|e| js_error("invalid_config", &e.to_string()))?;
        Ok(Self::wrap(Session::Advisor(Box::new(advisor))))
    }

    /// Whether this handle is an advisor (made by `advisor`) rather than an agent.
    #[wasm_bindgen(js_name = isAdvisor)]
    pub fn is_advisor(&self) -> bool {
        matches!(self.session, Session::Advisor(_))
    }

    /// The settings in force, as JSON (the Rust `Config`'s serialisation, seed included).
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> Result<String, JsValue> {
        let cfg = match &self.session {
            Session::Agent(a) => a.config(),
            Session::Advisor(a) => a.config(),
        };
        serde_json::to_string(cfg).map_err(|e| js_error("panic", &e.to_string()))
    }

    /// The session id (a UUID; the CMCD `sid`).
    #[wasm_bindgen(js_name = sessionId)]
    pub fn session_id(&self) -> String {
        match &self.session {
            Session::Agent(a) => a.session_id().to_owned(),
            Session::Advisor(a) => a.session_id().to_owned(),
        }
    }

    /// Whether the session is over (an `end` output went out).
    #[wasm_bindgen(js_name = isOver)]
    pub fn is_over(&self) -> bool {
        match &self.session {
            Session::Agent(a) => a.is_over(),
            Session::Advisor(a) => a.is_over(),
        }
    }

    /// The next decision as JSON, or `undefined` when none is waiting.
    #[wasm_bindgen(js_name = pollJson)]
    pub fn poll_json(&mut self) -> Result<Option<String>, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the session is poisoned by an earlier panic",
            ));
        }
        let got = match &mut self.session {
            Session::Agent(a) => a.poll_output_into(&mut self.slot),
            Session::Advisor(a) => a.poll_output_into(&mut self.slot),
        };
        if !got {
            return Ok(None);
        }
        serde_json::to_string(&self.slot)
            .map(Some)
            .map_err(|e| js_error("panic", &e.to_string()))
    }

    /// The telemetry report now, as JSON.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        match &self.session {
            Session::Agent(a) => a.report(),
            Session::Advisor(a) => a.report(),
        }
    }
}

/// The library version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
