//! Session configuration: serde-readable (the C ABI, the bindings and replay files pass it
//! as JSON), every field with a default. Times are milliseconds (`_ms`), bitrates bits per
//! second (`_bps`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Strictness;
use crate::units::{serde_ms, serde_opt_ms};

/// How CMCD travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CmcdMode {
    /// Not sent.
    #[default]
    Off,
    /// As the `CMCD` query parameter.
    Query,
    /// As `CMCD-Object` / `-Request` / `-Session` / `-Status` headers.
    Header,
    /// Only in [`Fetch::cmcd`](super::Fetch::cmcd), for a host that sends JSON reports itself.
    Json,
}

/// CMCD options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CmcdConfig {
    /// Transport.
    pub mode: CmcdMode,
    /// Version: 1, or 2 for the extra version-2 keys (`ltc`, `sn`, `sta`).
    pub version: u8,
    /// Content id (`cid`); none by default.
    pub content_id: Option<String>,
}

impl Default for CmcdConfig {
    fn default() -> Self {
        Self {
            mode: CmcdMode::Off,
            version: 1,
            content_id: None,
        }
    }
}

/// Telemetry options. Privacy by default: the report carries a random session id and no
/// device or user identifier unless the host passes one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The off switch.
    pub enabled: bool,
    /// A report every this often (and one at the end; `interval_ms`).
    #[serde(rename = "interval_ms", with = "serde_ms")]
    pub interval: Duration,
    /// A device identifier the host chooses to share.
    pub device_id: Option<String>,
    /// A user identifier the host chooses to share.
    pub user_id: Option<String>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval: Duration::from_secs(30),
            device_id: None,
            user_id: None,
        }
    }
}

/// A host-configured edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeEntry {
    /// Pathway ID.
    pub pathway: String,
    /// Host serving the presentation's URIs on this edge.
    #[serde(default)]
    pub host: Option<String>,
    /// Region label.
    #[serde(default)]
    pub region: Option<String>,
    /// Weight for spreading a fleet.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// How the agent chooses among edges (CDN pathways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EdgePolicy {
    /// Measured: every edge scored by its expected fetch time, breakers, duress, the
    /// joint edge-before-quality rule and adaptive time-to-first-byte deadlines.
    #[default]
    Measured,
    /// The controller's order, as hls.js follows it: the highest-priority edge that has
    /// not failed in the last 300 s, a fixed 10 s time-to-first-byte deadline, no probes.
    /// For operators who must keep traffic where the steering server puts it.
    Priority,
}

/// Everything a session is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The ABR by name (`hybrid`, `hybrid-stable`, `robust-mpc`, `bola`, `bba`, `throughput`); the caller
    /// that builds the controller reads it (`dmoe_abr::agent`).
    pub abr: String,
    /// Largest buffer to keep (`max_buffer_ms`).
    #[serde(rename = "max_buffer_ms", with = "serde_ms")]
    pub max_buffer: Duration,
    /// Highest bitrate allowed, bits per second.
    pub max_bitrate_bps: Option<u64>,
    /// Tallest picture allowed.
    pub max_height: Option<u32>,
    /// Extra edges beyond the presentation's pathways.
    pub edges: Vec<EdgeEntry>,
    /// How edges are chosen.
    pub edge_policy: EdgePolicy,
    /// Ask the host to measure edges the session is not using ([`Output::Probe`]) while
    /// the buffer is full. Off: edges are known only from the requests the session makes.
    ///
    /// [`Output::Probe`]: super::Output::Probe
    pub probes: bool,
    /// Hold each request to deadlines (time to first byte, bytes stalling) and abandon it
    /// when it misses one; a host with its own timeouts may turn this off.
    pub deadlines: bool,
    /// Region of the device, for edge priors.
    pub region: Option<String>,
    /// Session id; derived from `seed` when absent.
    pub session_id: Option<String>,
    /// Entropy for every random choice of the session (session id, breaker jitter). The
    /// core never reads a random source: the host passes one (`dmoe_abr::agent` and every
    /// binding draw it from the platform when it is absent). The same seed and inputs
    /// give the same decisions; a recording keeps it.
    pub seed: Option<u64>,
    /// Manifest strictness.
    pub strictness: Strictness,
    /// Live: target latency (`target_latency_ms`; default: the manifest's hold-back or
    /// three segments).
    #[serde(rename = "target_latency_ms", with = "serde_opt_ms")]
    pub target_latency: Option<Duration>,
    /// CMCD.
    pub cmcd: CmcdConfig,
    /// Telemetry.
    pub telemetry: TelemetryConfig,
    /// Keep every accepted input as a JSON line for replay
    /// ([`Agent::recording`](super::Agent::recording)).
    pub record: bool,
    /// Most recorded lines kept (the oldest inputs after the first are dropped beyond it).
    pub record_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            abr: "hybrid".into(),
            max_buffer: Duration::from_secs(30),
            max_bitrate_bps: None,
            max_height: None,
            edges: Vec::new(),
            edge_policy: EdgePolicy::Measured,
            probes: true,
            deadlines: true,
            region: None,
            session_id: None,
            seed: None,
            strictness: Strictness::Normal,
            target_latency: None,
            cmcd: CmcdConfig::default(),
            telemetry: TelemetryConfig::default(),
            record: false,
            record_limit: 100_000,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not valid JSON for a [`Config`].
    #[error("config: {0}")]
    Json(String),
    /// An unknown ABR name.
    #[error("config: unknown abr \"{0}\"")]
    UnknownAbr(String),
    /// A value out of range.
    #[error("config: {key} must be {range}")]
    OutOfRange {
        /// The key.
        key: &'static str,
        /// Its range.
        range: &'static str,
    },
    /// A setting this build cannot honour: an edge `host` needs dmoe-core's `hls` feature
    /// (the URL parser that rewrites hosts), which the npm package leaves out.
    #[error("config: {0} is not supported by this build")]
    NotBuilt(&'static str),
    /// [`Config::set`] with a key `Config` does not have.
    #[error("config: unknown setting {0}")]
    UnknownKey(String),
    /// No seed: the core never reads a random source, so the host passes one
    /// ([`Config::seed`]); `dmoe_abr::agent` and the bindings draw it from the platform.
    #[error(
        "config: no seed (pass entropy in Config::seed, or build the session with dmoe_abr::agent, which draws it from the platform)"
    )]
    MissingSeed,
    /// [`Config::set`] with a value of the wrong kind for the key.
    #[error("config: {key} must be {expected}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// What it takes.
        expected: &'static str,
    },
}

/// One value for [`Config::set`]: what a JSON scalar (or a JavaScript primitive) holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// `null`: an optional setting goes back to unset.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number; durations are milliseconds, bitrates bits per second.
    Number(f64),
    /// A string.
    Text(String),
}

/// The keys [`Config::set`] takes, as `from_json` names them (nested ones dotted).
const KEYS: [&str; 22] = [
    "abr",
    "max_buffer_ms",
    "max_bitrate_bps",
    "max_height",
    "region",
    "session_id",
    "seed",
    "strictness",
    "target_latency_ms",
    "edge_policy",
    "probes",
    "deadlines",
    "cmcd.mode",
    "cmcd.version",
    "cmcd.content_id",
    "telemetry.enabled",
    "telemetry.interval_ms",
    "telemetry.device_id",
    "telemetry.user_id",
    "record",
    "record_limit",
    "edges",
];

impl ConfigValue {
    /// `Null` as `None`, anything else through `read`.
    fn optional<T>(
        self,
        read: impl FnOnce(Self) -> Result<T, ConfigError>,
    ) -> Result<Option<T>, ConfigError> {
        match self {
            Self::Null => Ok(None),
            v => read(v).map(Some),
        }
    }

    fn text(self, key: &'static str) -> Result<String, ConfigError> {
        match self {
            Self::Text(s) => Ok(s),
            _ => Err(ConfigError::WrongType {
                key,
                expected: "a string",
            }),
        }
    }

    fn flag(self, key: &'static str) -> Result<bool, ConfigError> {
        match self {
            Self::Bool(b) => Ok(b),
            _ => Err(ConfigError::WrongType {
                key,
                expected: "a boolean",
            }),
        }
    }

    /// A whole number in `0..=max`.
    fn whole(self, key: &'static str, max: u64) -> Result<u64, ConfigError> {
        match self {
            Self::Number(n) if n.fract() == 0.0 && (0.0..=max as f64).contains(&n) => Ok(n as u64),
            _ => Err(ConfigError::WrongType {
                key,
                expected: "a whole number in range",
            }),
        }
    }

    fn millis(self, key: &'static str) -> Result<Duration, ConfigError> {
        match self {
            Self::Number(n) => crate::units::ms_to_micros(n)
                .map(Duration::from_micros)
                .ok_or(ConfigError::WrongType {
                    key,
                    expected: "a non-negative number of milliseconds",
                }),
            _ => Err(ConfigError::WrongType {
                key,
                expected: "a number of milliseconds",
            }),
        }
    }
}

impl Config {
    /// Read a configuration from JSON; absent fields take their defaults.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let c: Self = serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Set one setting by the key `from_json` reads it under, nested keys dotted
    /// (`"max_buffer_ms"`, `"cmcd.mode"`, `"telemetry.interval_ms"`); durations are
    /// milliseconds and
    /// `Null` unsets an optional setting. Edges are pushed onto [`Config::edges`]. Ranges
    /// are checked by [`Config::validate`] (which the agent runs), types here. For hosts
    /// that hold settings as values rather than JSON text (the npm package).
    ///
    /// ```
    /// use dmoe_core::agent::{CmcdMode, Config, ConfigValue};
    /// let mut c = Config::default();
    /// c.set("cmcd.mode", ConfigValue::Text("header".into()))?;
    /// c.set("max_buffer_ms", ConfigValue::Number(20_000.0))?;
    /// assert_eq!(c, Config::from_json(r#"{"cmcd":{"mode":"header"},"max_buffer_ms":20000}"#)?);
    /// assert!(c.set("max_bufer_ms", ConfigValue::Number(20.0)).is_err());
    /// # Ok::<(), dmoe_core::agent::ConfigError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: ConfigValue) -> Result<(), ConfigError> {
        let Some(&key) = KEYS.iter().find(|k| **k == key) else {
            return Err(ConfigError::UnknownKey(key.into()));
        };
        let v = value;
        match key {
            "abr" => self.abr = v.text(key)?,
            "max_buffer_ms" => self.max_buffer = v.millis(key)?,
            "max_bitrate_bps" => {
                self.max_bitrate_bps =
                    v.optional(|v| v.whole(key, super::gate::HIGHEST_BITRATE_BPS))?;
            }
            "max_height" => {
                self.max_height = v
                    .optional(|v| v.whole(key, u64::from(u32::MAX)))?
                    .map(|h| h as u32);
            }
            "region" => self.region = v.optional(|v| v.text(key))?,
            "session_id" => self.session_id = v.optional(|v| v.text(key))?,
            "seed" => self.seed = v.optional(|v| v.whole(key, 1 << 53))?,
            "strictness" => {
                self.strictness = match v.text(key)?.as_str() {
                    "permissive" => Strictness::Permissive,
                    "normal" => Strictness::Normal,
                    "strict" => Strictness::Strict,
                    _ => {
                        return Err(ConfigError::WrongType {
                            key,
                            expected: "\"permissive\", \"normal\" or \"strict\"",
                        });
                    }
                }
            }
            "target_latency_ms" => self.target_latency = v.optional(|v| v.millis(key))?,
            "edge_policy" => {
                self.edge_policy = match v.text(key)?.as_str() {
                    "measured" => EdgePolicy::Measured,
                    "priority" => EdgePolicy::Priority,
                    _ => {
                        return Err(ConfigError::WrongType {
                            key,
                            expected: "\"measured\" or \"priority\"",
                        });
                    }
                }
            }
            "probes" => self.probes = v.flag(key)?,
            "deadlines" => self.deadlines = v.flag(key)?,
            "cmcd.mode" => {
                self.cmcd.mode = match v.text(key)?.as_str() {
                    "off" => CmcdMode::Off,
                    "query" => CmcdMode::Query,
                    "header" => CmcdMode::Header,
                    "json" => CmcdMode::Json,
                    _ => {
                        return Err(ConfigError::WrongType {
                            key,
                            expected: "\"off\", \"query\", \"header\" or \"json\"",
                        });
                    }
                }
            }
            "cmcd.version" => self.cmcd.version = v.whole(key, 255)? as u8,
            "cmcd.content_id" => self.cmcd.content_id = v.optional(|v| v.text(key))?,
            "telemetry.enabled" => self.telemetry.enabled = v.flag(key)?,
            "telemetry.interval_ms" => self.telemetry.interval = v.millis(key)?,
            "telemetry.device_id" => self.telemetry.device_id = v.optional(|v| v.text(key))?,
            "telemetry.user_id" => self.telemetry.user_id = v.optional(|v| v.text(key))?,
            "record" => self.record = v.flag(key)?,
            "record_limit" => self.record_limit = v.whole(key, u64::from(u32::MAX))? as usize,
            _ => {
                return Err(ConfigError::WrongType {
                    key,
                    expected: "a list, extended with Config::edges",
                });
            }
        }
        Ok(())
    }

    /// Check ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_buffer < Duration::from_secs(1) || self.max_buffer > Duration::from_secs(3600) {
            return Err(ConfigError::OutOfRange {
                key: "max_buffer_ms",
                range: "1000 to 3600000 (1 s to an hour)",
            });
        }
        if !matches!(self.cmcd.version, 1 | 2) {
            return Err(ConfigError::OutOfRange {
                key: "cmcd.version",
                range: "1 or 2",
            });
        }
        if self.telemetry.interval < Duration::from_secs(1)
            || self.telemetry.interval > super::gate::LONGEST_SPAN
        {
            return Err(ConfigError::OutOfRange {
                key: "telemetry.interval_ms",
                range: "1000 to 86400000 (1 s to a day)",
            });
        }
        if self.max_bitrate_bps == Some(0) {
            return Err(ConfigError::OutOfRange {
                key: "max_bitrate_bps",
                range: "positive",
            });
        }
        if self.max_height == Some(0) {
            return Err(ConfigError::OutOfRange {
                key: "max_height",
                range: "positive",
            });
        }
        if self
            .target_latency
            .is_some_and(|t| t.is_zero() || t > super::gate::LONGEST_SPAN)
        {
            return Err(ConfigError::OutOfRange {
                key: "target_latency_ms",
                range: "positive, at most a day",
            });
        }
        if self.record_limit < 2 {
            return Err(ConfigError::OutOfRange {
                key: "record_limit",
                range: "at least 2",
            });
        }
        if self.edges.len() > crate::edge::MAX_EDGES {
            return Err(ConfigError::OutOfRange {
                key: "edges",
                range: "at most 64 entries",
            });
        }
        if self
            .edges
            .iter()
            .any(|e| !(e.weight.is_finite() && e.weight > 0.0))
        {
            return Err(ConfigError::OutOfRange {
                key: "edges.weight",
                range: "positive and finite",
            });
        }
        if cfg!(not(feature = "hls")) && self.edges.iter().any(|e| e.host.is_some()) {
            return Err(ConfigError::NotBuilt("edges.host"));
        }
        Ok(())
    }
}
