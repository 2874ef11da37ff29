//! The agent for JavaScript (wasm-bindgen; compiled only for wasm32).
//!
//! Timestamps are milliseconds as `f64` (from `performance.now()`); inputs and outputs are
//! the same JSON shapes as the Rust `Input` / `Output` and the C ABI's, with `at` in
//! microseconds inside recorded JSON lines. Errors are thrown as JS `Error`s with a `code`
//! (`invalid_input`, `invalid_manifest`, `invalid_config`, `misuse`, `unsupported`,
//! `panic`). In a build with unwinding a panic is caught, reported as `code: "panic"`, and
//! the agent refuses further calls; the npm package's size profile uses `panic = "abort"`,
//! where a panic traps instead (JS sees a `WebAssembly.RuntimeError` and must drop the
//! instance) — a JS-side guard for that is still to come.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use dmoe_core::agent::{Agent, AgentError, Config, Event, Input, Output, RequestId};
use dmoe_core::{MediaType, PlaybackState, Timestamp};
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
        | AgentError::UnknownRendition(_) => "misuse",
        AgentError::Manifest(_) => "invalid_manifest",
        AgentError::NothingToPlay => "unsupported",
        _ => "invalid_input",
    }
}

fn ts(ms: f64) -> Result<Timestamp, JsValue> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(Timestamp::from_micros((ms * 1000.0).round() as u64))
    } else {
        Err(js_error(
            "invalid_input",
            "time must be a finite, non-negative number of ms",
        ))
    }
}

/// A playback session's decision engine.
#[wasm_bindgen]
#[derive(Debug)]
pub struct DmoeAgent {
    agent: Agent,
    slot: Option<Output>,
    poisoned: bool,
}

impl DmoeAgent {
    fn guarded<T>(
        &mut self,
        f: impl FnOnce(&mut Agent) -> Result<T, JsValue>,
    ) -> Result<T, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the agent is poisoned by an earlier panic",
            ));
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.agent))) {
            Ok(r) => r,
            Err(_) => {
                self.poisoned = true;
                Err(js_error("panic", "internal error caught at the boundary"))
            }
        }
    }

    fn feed(&mut self, input: Input) -> Result<(), JsValue> {
        self.guarded(|a| {
            a.handle_input(input)
                .map_err(|e| js_error(code_of(&e), &e.to_string()))
        })
    }
}

#[wasm_bindgen]
impl DmoeAgent {
    /// An agent from a JSON configuration (`""` for the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<DmoeAgent, JsValue> {
        let cfg = if config_json.trim().is_empty() {
            Config::default()
        } else {
            Config::from_json(config_json)
                .map_err(|e| js_error("invalid_config", &e.to_string()))?
        };
        let agent = dmoe_abr::agent(cfg).map_err(|e| js_error("invalid_config", &e.to_string()))?;
        Ok(Self {
            agent,
            slot: None,
            poisoned: false,
        })
    }

    /// Any input as JSON (`{"at": <µs>, "type": ...}`, as recorded).
    #[wasm_bindgen(js_name = handleInputJson)]
    pub fn handle_input_json(&mut self, json: &str) -> Result<(), JsValue> {
        let input: Input = serde_json::from_str(json)
            .map_err(|e| js_error("invalid_input", &format!("input: {e}")))?;
        self.feed(input)
    }

    /// The manifest was loaded from `url`.
    #[wasm_bindgen(js_name = manifestLoaded)]
    pub fn manifest_loaded(&mut self, now_ms: f64, url: &str, body: &str) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(
            at,
            Event::ManifestLoaded {
                url: url.into(),
                body: body.into(),
            },
        ))
    }

    /// A request was sent.
    #[wasm_bindgen(js_name = requestStarted)]
    pub fn request_started(&mut self, now_ms: f64, id: f64) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(
            at,
            Event::RequestStarted {
                id: RequestId(id as u64),
            },
        ))
    }

    /// Bytes of a response so far.
    #[wasm_bindgen(js_name = requestProgress)]
    pub fn request_progress(&mut self, now_ms: f64, id: f64, bytes: f64) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(
            at,
            Event::RequestProgress {
                id: RequestId(id as u64),
                bytes: bytes.max(0.0) as u64,
            },
        ))
    }

    /// A response is complete.
    #[wasm_bindgen(js_name = requestCompleted)]
    pub fn request_completed(
        &mut self,
        now_ms: f64,
        id: f64,
        bytes: f64,
        ttfb_ms: f64,
    ) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        let ttfb = Duration::try_from_secs_f64(ttfb_ms / 1000.0)
            .map_err(|_| js_error("invalid_input", "ttfb must be finite and non-negative"))?;
        self.feed(Input::new(
            at,
            Event::RequestCompleted {
                id: RequestId(id as u64),
                bytes: bytes.max(0.0) as u64,
                ttfb,
                cmsd_static: None,
                cmsd_dynamic: None,
            },
        ))
    }

    /// Video buffered ahead of the play head, ms.
    #[wasm_bindgen(js_name = buffer)]
    pub fn buffer(&mut self, now_ms: f64, level_ms: f64) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        let level = Duration::try_from_secs_f64(level_ms / 1000.0).map_err(|_| {
            js_error(
                "invalid_input",
                "buffer level must be finite and non-negative",
            )
        })?;
        self.feed(Input::new(
            at,
            Event::Buffer {
                media: MediaType::Video,
                level,
            },
        ))
    }

    /// The player started playing (`rate` 1 normally).
    #[wasm_bindgen(js_name = playing)]
    pub fn playing(&mut self, now_ms: f64, rate: f64) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(
            at,
            Event::Playback {
                state: PlaybackState::Playing,
                rate,
            },
        ))
    }

    /// Time passed (answer to a timeout).
    #[wasm_bindgen(js_name = tick)]
    pub fn tick(&mut self, now_ms: f64) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(at, Event::Tick))
    }

    /// The next decision as JSON, or `undefined` when none is waiting.
    #[wasm_bindgen(js_name = pollJson)]
    pub fn poll_json(&mut self) -> Result<Option<String>, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the agent is poisoned by an earlier panic",
            ));
        }
        if !self.agent.poll_output_into(&mut self.slot) {
            return Ok(None);
        }
        serde_json::to_string(&self.slot)
            .map(Some)
            .map_err(|e| js_error("panic", &e.to_string()))
    }

    /// The telemetry report as JSON.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        self.agent.report()
    }
}

/// The library version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
