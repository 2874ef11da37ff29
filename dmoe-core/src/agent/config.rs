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
    #[error("config: unknown abr {0:?}")]
    UnknownAbr(String),
    /// A value out of range.
    #[error("config: {0} out of range")]
    OutOfRange(&'static str),
}

impl Config {
    /// Read a configuration from JSON; absent fields take their defaults.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let c: Self = serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        c.validate()?;
        Ok(c)
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
        Ok(())
    }
}
