//! Agent configuration: serde-readable (the C ABI, the bindings and replay files pass it as
//! JSON), every field with a default.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Strictness;
use crate::units::{serde_opt_secs, serde_secs};

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
    /// A report every this often (and one at the end).
    #[serde(with = "serde_secs")]
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

/// Everything a session is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The ABR by name (`hybrid`, `hybrid-stable`, `robust-mpc`, `bola`, `bba`, `throughput`); the caller
    /// that builds the controller reads it (`dmoe_abr::agent`).
    pub abr: String,
    /// Largest buffer to keep.
    #[serde(with = "serde_secs")]
    pub max_buffer: Duration,
    /// Highest bitrate allowed, kbps.
    pub max_bitrate_kbps: Option<u64>,
    /// Tallest picture allowed.
    pub max_height: Option<u32>,
    /// Extra edges beyond the presentation's pathways.
    pub edges: Vec<EdgeEntry>,
    /// Region of the device, for edge priors.
    pub region: Option<String>,
    /// Session id; a random one (from `seed`) when absent.
    pub session_id: Option<String>,
    /// Seed of every random choice (session id, jitter): the same seed and inputs give the
    /// same decisions.
    pub seed: u64,
    /// Manifest strictness.
    pub strictness: Strictness,
    /// Live: target latency (default: the manifest's hold-back or three segments).
    #[serde(with = "serde_opt_secs")]
    pub target_latency: Option<Duration>,
    /// CMCD.
    pub cmcd: CmcdConfig,
    /// Telemetry.
    pub telemetry: TelemetryConfig,
    /// Keep every input as a JSON line for replay ([`Agent::recording`](super::Agent::recording)).
    pub record: bool,
    /// Most recorded lines kept (the oldest inputs after the first are dropped beyond it).
    pub record_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            abr: "hybrid".into(),
            max_buffer: Duration::from_secs(30),
            max_bitrate_kbps: None,
            max_height: None,
            edges: Vec::new(),
            region: None,
            session_id: None,
            seed: 0,
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
    #[error("config: {0} out of range")]
    OutOfRange(&'static str),
    /// A setting this build cannot honour: an edge `host` needs dmoe-core's `hls` feature
    /// (the URL parser that rewrites hosts), which the npm package leaves out.
    #[error("config: {0} is not supported by this build")]
    NotBuilt(&'static str),
    /// [`Config::set`] with a key `Config` does not have.
    #[error("config: unknown setting {0}")]
    UnknownKey(String),
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
    /// A number; durations are seconds.
    Number(f64),
    /// A string.
    Text(String),
}

/// The keys [`Config::set`] takes, as `from_json` names them (nested ones dotted).
const KEYS: [&str; 19] = [
    "abr",
    "max_buffer",
    "max_bitrate_kbps",
    "max_height",
    "region",
    "session_id",
    "seed",
    "strictness",
    "target_latency",
    "cmcd.mode",
    "cmcd.version",
    "cmcd.content_id",
    "telemetry.enabled",
    "telemetry.interval",
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

    fn seconds(self, key: &'static str) -> Result<Duration, ConfigError> {
        match self {
            Self::Number(n) => Duration::try_from_secs_f64(n).map_err(|_| ConfigError::WrongType {
                key,
                expected: "a non-negative number of seconds",
            }),
            _ => Err(ConfigError::WrongType {
                key,
                expected: "a number of seconds",
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
    /// (`"max_buffer"`, `"cmcd.mode"`, `"telemetry.interval"`); durations are seconds and
    /// `Null` unsets an optional setting. Edges are pushed onto [`Config::edges`]. Ranges
    /// are checked by [`Config::validate`] (which the agent runs), types here. For hosts
    /// that hold settings as values rather than JSON text (the npm package).
    ///
    /// ```
    /// use dmoe_core::agent::{CmcdMode, Config, ConfigValue};
    /// let mut c = Config::default();
    /// c.set("cmcd.mode", ConfigValue::Text("header".into()))?;
    /// c.set("max_buffer", ConfigValue::Number(20.0))?;
    /// assert_eq!(c, Config::from_json(r#"{"cmcd":{"mode":"header"},"max_buffer":20}"#)?);
    /// assert!(c.set("max_bufer", ConfigValue::Number(20.0)).is_err());
    /// # Ok::<(), dmoe_core::agent::ConfigError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: ConfigValue) -> Result<(), ConfigError> {
        let Some(&key) = KEYS.iter().find(|k| **k == key) else {
            return Err(ConfigError::UnknownKey(key.into()));
        };
        let v = value;
        match key {
            "abr" => self.abr = v.text(key)?,
            "max_buffer" => self.max_buffer = v.seconds(key)?,
            "max_bitrate_kbps" => {
                self.max_bitrate_kbps = v.optional(|v| v.whole(key, u64::from(u32::MAX)))?;
            }
            "max_height" => {
                self.max_height = v
                    .optional(|v| v.whole(key, u64::from(u32::MAX)))?
                    .map(|h| h as u32);
            }
            "region" => self.region = v.optional(|v| v.text(key))?,
            "session_id" => self.session_id = v.optional(|v| v.text(key))?,
            "seed" => self.seed = v.whole(key, 1 << 53)?,
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
            "target_latency" => self.target_latency = v.optional(|v| v.seconds(key))?,
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
            "telemetry.interval" => self.telemetry.interval = v.seconds(key)?,
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
            return Err(ConfigError::OutOfRange("max_buffer"));
        }
        if !matches!(self.cmcd.version, 1 | 2) {
            return Err(ConfigError::OutOfRange("cmcd.version"));
        }
        if self.telemetry.interval < Duration::from_secs(1) {
            return Err(ConfigError::OutOfRange("telemetry.interval"));
        }
        if self.edges.len() > crate::edge::MAX_EDGES {
            return Err(ConfigError::OutOfRange("edges"));
        }
        if self
            .edges
            .iter()
            .any(|e| !(e.weight.is_finite() && e.weight > 0.0))
        {
            return Err(ConfigError::OutOfRange("edges.weight"));
        }
        if cfg!(not(feature = "hls")) && self.edges.iter().any(|e| e.host.is_some()) {
            return Err(ConfigError::NotBuilt("edges.host"));
        }
        Ok(())
    }
}
