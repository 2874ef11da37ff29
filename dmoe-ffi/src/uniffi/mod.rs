//! The agent and the advisor for Kotlin and Swift (UniFFI, proc-macro scaffolding).
//!
//! Generated bindings (`uniffi-bindgen generate --library libdmoe.so`) see one object,
//! [`Session`], made as an agent ([`Session::agent`]: it decides every request) or an
//! advisor ([`Session::advisor`]: the player fetches and asks which rendition next). Events
//! go in typed ([`Event`]) with the host's clock as a [`Duration`] since an origin it
//! chooses; decisions come out typed ([`Output`]). Durations are `java.time.Duration` in
//! Kotlin and `TimeInterval` seconds in Swift; bitrates are bits per second, sizes
//! bytes. JSON appears only where the data is JSON by nature: the configuration (the
//! keys of the Rust `Config`, as every other surface takes it) and telemetry reports.
//!
//! Errors are [`DmoeError`] (a Kotlin `DmoeException`, a Swift `Error`): one variant per
//! kind of refusal, its message the core's. A refused input changes nothing. A panic is
//! caught here, reported as [`DmoeError::Panic`], and retires the session: every later
//! call reports [`DmoeError::Poisoned`].
//!
//! Threads: a session may be shared between threads; calls on it run one at a time (a
//! lock), so concurrent use is safe, and a host that interleaves two players' events on
//! one session gets the core's typed refusals (outputs not drained, time going
//! backwards), never undefined behaviour.

mod events;
mod explain;
mod output;

pub use events::*;
pub use explain::*;
pub use output::*;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dmoe_core::ManifestError;
use dmoe_core::agent::{self as core, AgentError, Config, ConfigError, Input};

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum DmoeError {
    /// The configuration was refused (bad JSON, an unknown key, a value out of range).
    #[error("{0}")]
    InvalidConfig(String),
    /// Inputs were given while outputs were still waiting: drain them first.
    #[error("{0}")]
    OutputNotDrained(String),
    /// An input's time is before the previous input's.
    #[error("{0}")]
    TimeWentBackwards(String),
    /// A request id the session did not issue (or the host did not start), or that
    /// already ended; or one already in flight.
    #[error("{0}")]
    UnknownRequest(String),
    /// A rendition the session does not know.
    #[error("{0}")]
    UnknownRendition(String),
    /// A manifest or playlist did not parse.
    #[error("{0}")]
    InvalidManifest(String),
    /// The presentation has nothing playable, or this build cannot read it.
    #[error("{0}")]
    Unsupported(String),
    /// A value out of its range (negative, NaN, past the largest the field can mean).
    #[error("{0}")]
    InvalidValue(String),
    /// An event this kind of session does not take, or one that needs the ladder first.
    #[error("{0}")]
    WrongSession(String),
    /// A bug inside the library was caught at the boundary; the session is retired.
    #[error("{0}")]
    Panic(String),
    /// An earlier call panicked; the session takes no more calls.
    #[error("{0}")]
    Poisoned(String),
}

impl From<AgentError> for DmoeError {
    fn from(e: AgentError) -> Self {
        let text = e.to_string();
        match e {
            AgentError::OutputNotDrained => Self::OutputNotDrained(text),
            AgentError::TimeWentBackwards { .. } => Self::TimeWentBackwards(text),
            AgentError::UnknownRequest(_) | AgentError::DuplicateRequest(_) => {
                Self::UnknownRequest(text)
            }
            AgentError::UnknownRendition(_) => Self::UnknownRendition(text),
            AgentError::Manifest(ManifestError::FormatNotBuilt { .. })
            | AgentError::NothingToPlay => Self::Unsupported(text),
            AgentError::Manifest(_) => Self::InvalidManifest(text),
            AgentError::WrongSession { .. } | AgentError::NoLadder => Self::WrongSession(text),
            _ => Self::InvalidValue(text),
        }
    }
}

impl From<ConfigError> for DmoeError {
    fn from(e: ConfigError) -> Self {
        Self::InvalidConfig(e.to_string())
    }
}

#[derive(Debug)]
enum Kind {
    Agent(Box<core::Agent>),
    Advisor(Box<core::Advisor>),
}

#[derive(Debug)]
struct Inner {
    kind: Kind,
    slot: Option<core::Output>,
    poisoned: bool,
}

/// A playback session's decision engine: an agent or an advisor.
#[derive(Debug, uniffi::Object)]
pub struct Session {
    inner: Mutex<Inner>,
}

/// The configuration a JSON text describes (blank: the defaults).
fn config(json: &str) -> Result<Config, DmoeError> {
    if json.trim().is_empty() {
        Ok(Config::default())
    } else {
        Ok(Config::from_json(json)?)
    }
}

fn caught<T>(f: impl FnOnce() -> Result<T, DmoeError>) -> Result<T, DmoeError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(DmoeError::Panic(
            "internal error caught at the boundary".into(),
        ))
    })
}

impl Session {
    fn new(kind: Kind) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                kind,
                slot: None,
                poisoned: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic is caught inside the lock, so the lock is never poisoned by one; if it
        // were, the session's own `poisoned` flag already refuses every call.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the session inside the panic boundary; a panic retires the session.
    fn guarded<T>(
        &self,
        f: impl FnOnce(&mut Inner) -> Result<T, DmoeError>,
    ) -> Result<T, DmoeError> {
        let mut inner = self.lock();
        if inner.poisoned {
            return Err(DmoeError::Poisoned(
                "the session is retired by an earlier panic".into(),
            ));
        }
        let r = caught(|| f(&mut inner));
        if matches!(r, Err(DmoeError::Panic(_))) {
            inner.poisoned = true;
        }
        r
    }

    fn read<T>(&self, f: impl FnOnce(&Kind) -> T) -> T {
        f(&self.lock().kind)
    }
}

#[uniffi::export]
impl Session {
    /// An agent: it decides every request (rendition, edge, retries, deadlines, probes).
    /// `config` is JSON with the keys of the Rust `Config` (blank for the defaults);
    /// without a `seed` the session draws one from the operating system.
    #[uniffi::constructor]
    pub fn agent(config_json: String) -> Result<Arc<Self>, DmoeError> {
        caught(|| {
            let agent = dmoe_abr::agent(config(&config_json)?)?;
            Ok(Self::new(Kind::Agent(Box::new(agent))))
        })
    }

    /// An advisor: the player fetches, and asks which rendition to take next
    /// (`AdviceWanted`); configured as [`Session::agent`].
    #[uniffi::constructor]
    pub fn advisor(config_json: String) -> Result<Arc<Self>, DmoeError> {
        caught(|| {
            let advisor = dmoe_abr::advisor(config(&config_json)?)?;
            Ok(Self::new(Kind::Advisor(Box::new(advisor))))
        })
    }

    /// Gives the session one fact at host time `at` (a monotonic clock's reading since an
    /// origin the host chooses). Drain the outputs before the next event.
    pub fn handle(&self, at: Duration, event: Event) -> Result<(), DmoeError> {
        self.guarded(|inner| {
            let input = Input::new(timestamp(at), event.into());
            match &mut inner.kind {
                Kind::Agent(a) => a.handle_input(input),
                Kind::Advisor(a) => a.handle_input(input),
            }
            .map_err(Into::into)
        })
    }

    /// The next decision, or none when none is waiting.
    pub fn poll(&self) -> Result<Option<Output>, DmoeError> {
        self.guarded(|inner| {
            let got = match &mut inner.kind {
                Kind::Agent(a) => a.poll_output_into(&mut inner.slot),
                Kind::Advisor(a) => a.poll_output_into(&mut inner.slot),
            };
            Ok(got.then(|| inner.slot.take()).flatten().map(Into::into))
        })
    }

    /// Every decision waiting, in order.
    pub fn drain(&self) -> Result<Vec<Output>, DmoeError> {
        self.guarded(|inner| {
            let mut out = Vec::new();
            loop {
                let got = match &mut inner.kind {
                    Kind::Agent(a) => a.poll_output_into(&mut inner.slot),
                    Kind::Advisor(a) => a.poll_output_into(&mut inner.slot),
                };
                match got.then(|| inner.slot.take()).flatten() {
                    Some(o) => out.push(o.into()),
                    None => return Ok(out),
                }
            }
        })
    }

    /// Whether this engine is an advisor (made by `advisor`) rather than an agent.
    pub fn is_advisor(&self) -> bool {
        self.read(|k| matches!(k, Kind::Advisor(_)))
    }

    /// Whether the session is over (an `End` output went out).
    pub fn is_over(&self) -> bool {
        self.read(|k| match k {
            Kind::Agent(a) => a.is_over(),
            Kind::Advisor(a) => a.is_over(),
        })
    }

    /// The session id (a UUID; the CMCD `sid`).
    pub fn session_id(&self) -> String {
        self.read(|k| match k {
            Kind::Agent(a) => a.session_id().to_owned(),
            Kind::Advisor(a) => a.session_id().to_owned(),
        })
    }

    /// The seed in force (the configuration's, or the one drawn from the system): a
    /// session made again with it decides the same.
    pub fn seed(&self) -> u64 {
        self.read(|k| match k {
            Kind::Agent(a) => a.seed(),
            Kind::Advisor(a) => a.seed(),
        })
    }

    /// The settings in force, as JSON (seed included).
    pub fn config_json(&self) -> Result<String, DmoeError> {
        let cfg = self.read(|k| match k {
            Kind::Agent(a) => a.config().clone(),
            Kind::Advisor(a) => a.config().clone(),
        });
        serde_json::to_string(&cfg).map_err(|e| DmoeError::Panic(e.to_string()))
    }

    /// The quality-of-experience figures so far.
    pub fn qoe(&self) -> Qoe {
        self.read(|k| match k {
            Kind::Agent(a) => a.qoe().into(),
            Kind::Advisor(a) => a.qoe().into(),
        })
    }

    /// The telemetry report now, as JSON (the body the controller receives).
    pub fn report(&self) -> String {
        self.read(|k| match k {
            Kind::Agent(a) => a.report(),
            Kind::Advisor(a) => a.report(),
        })
    }
}

/// A decision as the JSON line every other surface prints for it (`dmoe-replay`, the C
/// ABI's `dmoe_agent_poll_json`, the npm package): for logs, and to compare hosts.
#[uniffi::export]
pub fn output_to_json(output: Output) -> Result<String, DmoeError> {
    caught(|| {
        let o: core::Output = output.into();
        serde_json::to_string(&o).map_err(|e| DmoeError::InvalidValue(e.to_string()))
    })
}

/// The library version, e.g. `"0.1.0"`.
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[cfg(test)]
mod tests;
