//! Content steering, both standards: HLS (rfc8216bis §7) and DASH-IF (ETSI TS 103 998) share
//! one steering-manifest JSON; they differ in the query parameters the client sends.
//!
//! [`SteeringManifest::parse`] reads and validates the JSON. [`SteeringClient`] is the
//! sans-IO state machine around it: it says when to fetch and what URL to fetch, and takes
//! the response (status, `Retry-After`, body) back.
//!
//! ```
//! use std::time::Duration;
//! use dmoe_core::Timestamp;
//! use dmoe_core::edge::{SteeringClient, SteeringOutcome, SteeringProtocol};
//!
//! let mut c = SteeringClient::new("https://steer.example/v1?session=9", SteeringProtocol::Hls, Timestamp::ZERO)?;
//! let req = c.poll(Timestamp::ZERO, &[("cdn-a", Some(5_000_000))]).expect("due at start");
//! assert_eq!(req.url, "https://steer.example/v1?session=9&_HLS_pathway=%22cdn-a%22&_HLS_throughput=5000000");
//! let body = br#"{"VERSION":1,"TTL":30,"PATHWAY-PRIORITY":["cdn-b","cdn-a"]}"#;
//! let out = c.on_response(Timestamp::from_secs(1), 200, None, body)?;
//! assert_eq!(out, SteeringOutcome::Updated);
//! assert_eq!(c.priority(), Some(&["cdn-b".to_string(), "cdn-a".to_string()][..]));
//! assert!(c.poll(Timestamp::from_secs(20), &[]).is_none()); // TTL not over yet
//! assert!(c.poll(Timestamp::from_secs(31), &[]).is_some());
//! # Ok::<(), dmoe_core::edge::SteeringError>(())
//! ```

use std::time::Duration;

#[cfg(feature = "hls")]
use serde_json::Value;
use thiserror::Error;
#[cfg(feature = "hls")]
use url::Url;

#[cfg(feature = "hls")]
use crate::Timestamp;

/// Largest steering manifest accepted, bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// Most pathways (priority entries or clones) accepted.
pub const MAX_PATHWAYS: usize = 64;
/// Most per-variant / per-rendition URI entries accepted in one clone.
pub const MAX_PER_URIS: usize = 1024;
/// TTL used when the manifest has none or a fetch failed before any (rfc8216bis).
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Why a steering manifest or response was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SteeringError {
    /// Not JSON.
    #[error("steering manifest: invalid JSON at line {line}, column {column}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Larger than [`MAX_MANIFEST_BYTES`], or too many pathways or URIs.
    #[error("steering manifest: too large ({what} over {limit})")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The top level is not a JSON object.
    #[error("steering manifest: the top level must be an object")]
    NotAnObject,
    /// A required key is absent.
    #[error("steering manifest: missing {0}")]
    Missing(&'static str),
    /// A key has a value of the wrong type.
    #[error("steering manifest: {key} must be {expected}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// What the specification says it is.
        expected: &'static str,
    },
    /// `VERSION` is not 1.
    #[error("steering manifest: unsupported VERSION {0}")]
    UnsupportedVersion(String),
    /// A pathway ID with characters outside `[A-Za-z0-9._-]`, or empty.
    #[error("steering manifest: invalid pathway ID \"{0}\"")]
    InvalidPathwayId(String),
    /// The same pathway ID twice in `PATHWAY-PRIORITY`, or a clone reusing an ID.
    #[error("steering manifest: duplicate pathway ID \"{0}\"")]
    DuplicatePathway(String),
    /// A URI in the manifest (`RELOAD-URI`, `HOST`, a per-variant URI) is not usable.
    #[error("steering manifest: {key} is not a valid URI or host: \"{value}\"")]
    BadUri {
        /// The key.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// The steering server URI is not http(s) or a JSON `data:` URI.
    #[error("steering server URI is not http(s) or a data: URI: \"{0}\"")]
    BadServerUri(String),
    /// A host or query rewrite in a build without dmoe-core's `hls` feature (it brings
    /// the URL parser the rewrite needs).
    #[error("URI rewriting (HOST or PARAMS) needs dmoe-core's `hls` feature")]
    NotBuilt,
}

/// `URI-REPLACEMENT` of a pathway clone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UriReplacement {
    /// `HOST`: replaces the host of the base pathway's URIs.
    pub host: Option<String>,
    /// `PARAMS`: query parameters added to (or replacing those of) every URI.
    pub params: Vec<(String, String)>,
    /// `PER-VARIANT-URIS`: STABLE-VARIANT-ID → URI, used instead of rewriting.
    pub per_variant_uris: Vec<(String, String)>,
    /// `PER-RENDITION-URIS`: STABLE-RENDITION-ID → URI, used instead of rewriting.
    pub per_rendition_uris: Vec<(String, String)>,
}

impl UriReplacement {
    /// The URI of the clone for `uri` of the base pathway: the per-variant (or
    /// per-rendition) URI when the stable ID has one, else `uri` with the host replaced
    /// and the parameters applied.
    pub fn apply(
        &self,
        uri: &str,
        stable_variant_id: Option<&str>,
        stable_rendition_id: Option<&str>,
    ) -> Result<String, SteeringError> {
        let lookup = |map: &[(String, String)], id: Option<&str>| {
            id.and_then(|id| map.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone()))
        };
        if let Some(u) = lookup(&self.per_variant_uris, stable_variant_id)
            .or_else(|| lookup(&self.per_rendition_uris, stable_rendition_id))
        {
            return Ok(u);
        }
        self.rewrite(uri)
    }

    #[cfg(not(feature = "hls"))]
    fn rewrite(&self, uri: &str) -> Result<String, SteeringError> {
        if self.host.is_some() || !self.params.is_empty() {
            return Err(SteeringError::NotBuilt);
        }
        Ok(uri.to_owned())
    }

    #[cfg(feature = "hls")]
    fn rewrite(&self, uri: &str) -> Result<String, SteeringError> {
        let mut u = crate::uri::parse(uri).ok_or_else(|| SteeringError::BadUri {
            key: "URI",
            value: uri.to_owned(),
        })?;
        if let Some(h) = &self.host {
            if !crate::uri::set_host(&mut u, h) {
                return Err(SteeringError::BadUri {
                    key: "HOST",
                    value: h.clone(),
                });
            }
        }
        if !self.params.is_empty() {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| !self.params.iter().any(|(pk, _)| pk == k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut q = u.query_pairs_mut();
            q.clear();
            for (k, v) in kept.iter().chain(self.params.iter()) {
                q.append_pair(k, v);
            }
        }
        Ok(u.into())
    }
}

/// One entry of `PATHWAY-CLONES`: a new pathway made from an existing one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PathwayClone {
    /// `BASE-ID`: the pathway copied.
    pub base_id: String,
    /// `ID`: the new pathway.
    pub id: String,
    /// `URI-REPLACEMENT`.
    pub uri_replacement: UriReplacement,
}

/// A parsed, validated steering manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SteeringManifest {
    /// `VERSION` (always 1).
    pub version: u32,
    /// `TTL`: when to ask again ([`DEFAULT_TTL`] when absent).
    pub ttl: Duration,
    /// `RELOAD-URI`: where to ask next time, as written (relative to the steering URI).
    pub reload_uri: Option<String>,
    /// `PATHWAY-PRIORITY`: pathway IDs, most preferred first.
    pub pathway_priority: Vec<String>,
    /// `PATHWAY-CLONES`.
    pub pathway_clones: Vec<PathwayClone>,
}

#[cfg(feature = "hls")]
fn valid_pathway_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

#[cfg(feature = "hls")]
fn string_map(v: &Value, key: &'static str) -> Result<Vec<(String, String)>, SteeringError> {
    let obj = v.as_object().ok_or(SteeringError::WrongType {
        key,
        expected: "an object of strings",
    })?;
    if obj.len() > MAX_PER_URIS {
        return Err(SteeringError::TooLarge {
            what: key,
            limit: MAX_PER_URIS,
        });
    }
    obj.iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_owned()))
                .ok_or(SteeringError::WrongType {
                    key,
                    expected: "an object of strings",
                })
        })
        .collect()
}

#[cfg(feature = "hls")]
impl SteeringManifest {
    /// Parse and validate a steering manifest.
    pub fn parse(body: &[u8]) -> Result<Self, SteeringError> {
        if body.len() > MAX_MANIFEST_BYTES {
            return Err(SteeringError::TooLarge {
                what: "bytes",
                limit: MAX_MANIFEST_BYTES,
            });
        }
        let v: Value = serde_json::from_slice(body).map_err(|e| SteeringError::Json {
            line: e.line(),
            column: e.column(),
        })?;
        let obj = v.as_object().ok_or(SteeringError::NotAnObject)?;
        let version = obj
            .get("VERSION")
            .ok_or(SteeringError::Missing("VERSION"))?;
        if version.as_u64() != Some(1) {
            return Err(SteeringError::UnsupportedVersion(version.to_string()));
        }
        let ttl = match obj.get("TTL") {
            None => DEFAULT_TTL,
            Some(t) => {
                let s = t
                    .as_f64()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0 * 365.0)
                    .ok_or(SteeringError::WrongType {
                        key: "TTL",
                        expected: "a positive number of seconds",
                    })?;
                Duration::from_secs_f64(s)
            }
        };
        let reload_uri = match obj.get("RELOAD-URI") {
            None => None,
            Some(u) => Some(
                u.as_str()
                    .ok_or(SteeringError::WrongType {
                        key: "RELOAD-URI",
                        expected: "a string",
                    })?
                    .to_owned(),
            ),
        };
        let prio = obj
            .get("PATHWAY-PRIORITY")
            .ok_or(SteeringError::Missing("PATHWAY-PRIORITY"))?
            .as_array()
            .ok_or(SteeringError::WrongType {
                key: "PATHWAY-PRIORITY",
                expected: "an array of pathway IDs",
            })?;
        if prio.len() > MAX_PATHWAYS {
            return Err(SteeringError::TooLarge {
                what: "PATHWAY-PRIORITY",
                limit: MAX_PATHWAYS,
            });
        }
        let mut pathway_priority: Vec<String> = Vec::with_capacity(prio.len());
        for p in prio {
            let id = p.as_str().ok_or(SteeringError::WrongType {
                key: "PATHWAY-PRIORITY",
                expected: "an array of pathway IDs",
            })?;
            if !valid_pathway_id(id) {
                return Err(SteeringError::InvalidPathwayId(id.to_owned()));
            }
            if pathway_priority.iter().any(|q| q == id) {
                return Err(SteeringError::DuplicatePathway(id.to_owned()));
            }
            pathway_priority.push(id.to_owned());
        }
        if pathway_priority.is_empty() {
            return Err(SteeringError::Missing("PATHWAY-PRIORITY entries"));
        }
        let mut pathway_clones: Vec<PathwayClone> = Vec::new();
        if let Some(c) = obj.get("PATHWAY-CLONES") {
            let arr = c.as_array().ok_or(SteeringError::WrongType {
                key: "PATHWAY-CLONES",
                expected: "an array of objects",
            })?;
            if arr.len() > MAX_PATHWAYS {
                return Err(SteeringError::TooLarge {
                    what: "PATHWAY-CLONES",
                    limit: MAX_PATHWAYS,
                });
            }
            for c in arr {
                pathway_clones.push(Self::clone_entry(c, &pathway_clones)?);
            }
        }
        Ok(Self {
            version: 1,
            ttl,
            reload_uri,
            pathway_priority,
            pathway_clones,
        })
    }

    fn clone_entry(c: &Value, earlier: &[PathwayClone]) -> Result<PathwayClone, SteeringError> {
        let o = c.as_object().ok_or(SteeringError::WrongType {
            key: "PATHWAY-CLONES",
            expected: "an array of objects",
        })?;
        let text = |key: &'static str| -> Result<String, SteeringError> {
            o.get(key)
                .ok_or(SteeringError::Missing(key))?
                .as_str()
                .map(str::to_owned)
                .ok_or(SteeringError::WrongType {
                    key,
                    expected: "a string",
                })
        };
        let base_id = text("BASE-ID")?;
        let id = text("ID")?;
        for p in [&base_id, &id] {
            if !valid_pathway_id(p) {
                return Err(SteeringError::InvalidPathwayId(p.clone()));
            }
        }
        if earlier.iter().any(|e| e.id == id) || id == base_id {
            return Err(SteeringError::DuplicatePathway(id));
        }
        let r = o
            .get("URI-REPLACEMENT")
            .ok_or(SteeringError::Missing("URI-REPLACEMENT"))?
            .as_object()
            .ok_or(SteeringError::WrongType {
                key: "URI-REPLACEMENT",
                expected: "an object",
            })?;
        let mut rep = UriReplacement::default();
        if let Some(h) = r.get("HOST") {
            let h = h.as_str().ok_or(SteeringError::WrongType {
                key: "HOST",
                expected: "a string",
            })?;
            // A host must survive being put into a URL unchanged in meaning.
            let ok = !h.is_empty()
                && crate::uri::parse("https://x.invalid/")
                    .is_some_and(|mut u| crate::uri::set_host(&mut u, h));
            if !ok || h.contains(['/', '?', '#', '@']) {
                return Err(SteeringError::BadUri {
                    key: "HOST",
                    value: h.to_owned(),
                });
            }
            rep.host = Some(h.to_owned());
        }
        if let Some(p) = r.get("PARAMS") {
            rep.params = string_map(p, "PARAMS")?;
        }
        if let Some(p) = r.get("PER-VARIANT-URIS") {
            rep.per_variant_uris = string_map(p, "PER-VARIANT-URIS")?;
        }
        if let Some(p) = r.get("PER-RENDITION-URIS") {
            rep.per_rendition_uris = string_map(p, "PER-RENDITION-URIS")?;
        }
        for (_, u) in rep.per_variant_uris.iter().chain(&rep.per_rendition_uris) {
            if crate::uri::parse(u).map(|u| u.scheme().starts_with("http")) != Some(true) {
                return Err(SteeringError::BadUri {
                    key: "PER-VARIANT-URIS",
                    value: u.clone(),
                });
            }
        }
        Ok(PathwayClone {
            base_id,
            id,
            uri_replacement: rep,
        })
    }
}

#[cfg(feature = "hls")]
/// Which standard's query parameters to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteeringProtocol {
    /// `_HLS_pathway`, `_HLS_throughput`.
    Hls,
    /// `_DASH_pathway`, `_DASH_throughput`.
    Dash,
}

#[cfg(feature = "hls")]
/// A fetch the host should make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SteeringRequest {
    /// The URL, with the steering query parameters.
    pub url: String,
}

#[cfg(feature = "hls")]
/// What a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteeringOutcome {
    /// A new manifest was applied.
    Updated,
    /// The server said 429: the next fetch waits for `Retry-After` (or the TTL).
    Throttled,
    /// The server said 410: steering is off for the rest of the session.
    Stopped,
    /// Another error status: the previous manifest stays, retry after the TTL.
    Failed,
}

#[cfg(feature = "hls")]
/// The state of a session's steering.
#[derive(Debug, Clone)]
pub struct SteeringClient {
    protocol: SteeringProtocol,
    /// Where the next request goes (server URI, then the latest RELOAD-URI).
    next_url: Option<Url>,
    next_at: Option<Timestamp>,
    in_flight: bool,
    stopped: bool,
    manifest: Option<SteeringManifest>,
    generation: u64,
}

#[cfg(feature = "hls")]
fn ttl_after(now: Timestamp, d: Duration) -> Timestamp {
    now.saturating_add(d)
}

#[cfg(feature = "hls")]
impl SteeringClient {
    /// A client for the steering server at `server_uri`, first fetch due at `now`. A
    /// `data:` URI (JSON, base64 or percent-encoded) is applied at once, with no fetch.
    pub fn new(
        server_uri: &str,
        protocol: SteeringProtocol,
        now: Timestamp,
    ) -> Result<Self, SteeringError> {
        let mut c = Self {
            protocol,
            next_url: None,
            next_at: Some(now),
            in_flight: false,
            stopped: false,
            manifest: None,
            generation: 0,
        };
        if let Some(rest) = server_uri.strip_prefix("data:") {
            let body = decode_data_uri(rest)
                .ok_or_else(|| SteeringError::BadServerUri(server_uri.to_owned()))?;
            c.apply(now, SteeringManifest::parse(&body)?);
            // An inline manifest can still name a RELOAD-URI; without one there is
            // nothing to fetch.
            if c.next_url.is_none() {
                c.next_at = None;
            }
            return Ok(c);
        }
        let u = crate::uri::parse(server_uri)
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| SteeringError::BadServerUri(server_uri.to_owned()))?;
        c.next_url = Some(u);
        Ok(c)
    }

    /// Which standard this client speaks.
    pub fn protocol(&self) -> SteeringProtocol {
        self.protocol
    }

    /// The fetch to make now, if one is due. `used` lists the pathways used since the last
    /// request with their measured throughput (bits/s), current pathway first: HLS sends
    /// the first, DASH all of them.
    pub fn poll(
        &mut self,
        now: Timestamp,
        used: &[(&str, Option<u64>)],
    ) -> Option<SteeringRequest> {
        if self.stopped || self.in_flight || self.next_at.is_none_or(|t| now < t) {
            return None;
        }
        let mut url = self.next_url.clone()?;
        let (pk, tk) = match self.protocol {
            SteeringProtocol::Hls => ("_HLS_pathway", "_HLS_throughput"),
            SteeringProtocol::Dash => ("_DASH_pathway", "_DASH_throughput"),
        };
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != pk && k != tk)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let take = match self.protocol {
            SteeringProtocol::Hls => used.len().min(1),
            SteeringProtocol::Dash => used.len(),
        };
        let used = &used[..take];
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
            if !used.is_empty() {
                let names: Vec<&str> = used.iter().map(|(p, _)| *p).collect();
                q.append_pair(pk, &format!("\"{}\"", names.join(",")));
                let tps: Vec<String> = used
                    .iter()
                    .filter_map(|(_, t)| t.map(|t| t.to_string()))
                    .collect();
                if tps.len() == used.len() {
                    q.append_pair(tk, &tps.join(","));
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.in_flight = true;
        Some(SteeringRequest { url: url.into() })
    }

    /// The response to the last request: HTTP status, `Retry-After` (for 429), body.
    /// A body that does not parse is an error and keeps the previous manifest; the next
    /// fetch is then due after the TTL, as for any failure.
    pub fn on_response(
        &mut self,
        now: Timestamp,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Result<SteeringOutcome, SteeringError> {
        self.in_flight = false;
        let ttl = self.manifest.as_ref().map_or(DEFAULT_TTL, |m| m.ttl);
        match status {
            200..=299 => match SteeringManifest::parse(body) {
                Ok(m) => {
                    self.apply(now, m);
                    Ok(SteeringOutcome::Updated)
                }
                Err(e) => {
                    self.next_at = Some(ttl_after(now, ttl));
                    Err(e)
                }
            },
            410 => {
                self.stopped = true;
                self.next_at = None;
                Ok(SteeringOutcome::Stopped)
            }
            429 => {
                self.next_at = Some(ttl_after(now, retry_after.unwrap_or(ttl)));
                Ok(SteeringOutcome::Throttled)
            }
            _ => {
                self.next_at = Some(ttl_after(now, ttl));
                Ok(SteeringOutcome::Failed)
            }
        }
    }

    /// The request failed without a response (connection error, timeout).
    pub fn on_network_error(&mut self, now: Timestamp) {
        self.in_flight = false;
        let ttl = self.manifest.as_ref().map_or(DEFAULT_TTL, |m| m.ttl);
        self.next_at = Some(ttl_after(now, ttl));
    }

    fn apply(&mut self, now: Timestamp, m: SteeringManifest) {
        if let Some(r) = &m.reload_uri {
            let joined = match &self.next_url {
                Some(base) => crate::uri::join(base, r),
                None => crate::uri::parse(r),
            };
            if let Some(u) = joined.filter(|u| matches!(u.scheme(), "http" | "https")) {
                self.next_url = Some(u);
            }
        }
        self.next_at = Some(ttl_after(now, m.ttl));
        self.manifest = Some(m);
        self.generation += 1;
    }

    /// The latest manifest.
    pub fn manifest(&self) -> Option<&SteeringManifest> {
        self.manifest.as_ref()
    }

    /// The controller's pathway order, when a manifest has been applied.
    pub fn priority(&self) -> Option<&[String]> {
        self.manifest.as_ref().map(|m| &m.pathway_priority[..])
    }

    /// Counts applied manifests: a caller compares it to see whether anything changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the next fetch is due (None: stopped, or nothing to fetch).
    pub fn next_fetch_at(&self) -> Option<Timestamp> {
        if self.stopped { None } else { self.next_at }
    }

    /// Whether the server turned steering off (410).
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }
}

#[cfg(feature = "hls")]
/// The body of a `data:` URI (after `data:`): base64 or percent-encoded.
fn decode_data_uri(rest: &str) -> Option<Vec<u8>> {
    let (meta, data) = rest.split_once(',')?;
    if meta.ends_with(";base64") {
        super::sf::base64_decode(data.as_bytes())
    } else {
        let b = data.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        Some(out)
    }
}

#[cfg(all(test, feature = "hls"))]
mod tests {
    use super::*;

    const FULL: &str = r#"{
        "VERSION": 1, "TTL": 10, "RELOAD-URI": "next?token=2",
        "PATHWAY-PRIORITY": ["cdn-b", "cdn-a", "cdn-c"],
        "PATHWAY-CLONES": [{"BASE-ID": "cdn-a", "ID": "cdn-c",
            "URI-REPLACEMENT": {"HOST": "c.example.net", "PARAMS": {"tok": "x"},
                "PER-VARIANT-URIS": {"v1": "https://c.example.net/special/v1.m3u8"}}}]
    }"#;

    #[test]
    fn parses_all_keys() {
        let m = SteeringManifest::parse(FULL.as_bytes()).unwrap();
        assert_eq!(m.ttl, Duration::from_secs(10));
        assert_eq!(m.reload_uri.as_deref(), Some("next?token=2"));
        assert_eq!(m.pathway_priority, ["cdn-b", "cdn-a", "cdn-c"]);
        let c = &m.pathway_clones[0];
        assert_eq!((c.base_id.as_str(), c.id.as_str()), ("cdn-a", "cdn-c"));
        let r = &c.uri_replacement;
        assert_eq!(
            r.apply("https://a.example.com/v2/index.m3u8?x=1", Some("v2"), None)
                .unwrap(),
            "https://c.example.net/v2/index.m3u8?x=1&tok=x"
        );
        assert_eq!(
            r.apply("https://a.example.com/v1/index.m3u8", Some("v1"), None)
                .unwrap(),
            "https://c.example.net/special/v1.m3u8"
        );
    }

    #[test]
    fn hostile_manifests_are_typed_errors() {
        use SteeringError as E;
        type Check = fn(&SteeringError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| matches!(e, E::Json { .. })),
            ("[1]", |e| *e == E::NotAnObject),
            (r#"{"TTL":1}"#, |e| *e == E::Missing("VERSION")),
            (r#"{"VERSION":2,"PATHWAY-PRIORITY":["a"]}"#, |e| {
                matches!(e, E::UnsupportedVersion(_))
            }),
            (r#"{"VERSION":1}"#, |e| *e == E::Missing("PATHWAY-PRIORITY")),
            (r#"{"VERSION":1,"PATHWAY-PRIORITY":[]}"#, |e| {
                matches!(e, E::Missing(_))
            }),
            (r#"{"VERSION":1,"PATHWAY-PRIORITY":["a b"]}"#, |e| {
                matches!(e, E::InvalidPathwayId(_))
            }),
            (r#"{"VERSION":1,"PATHWAY-PRIORITY":["a","a"]}"#, |e| {
                matches!(e, E::DuplicatePathway(_))
            }),
            (r#"{"VERSION":1,"TTL":-3,"PATHWAY-PRIORITY":["a"]}"#, |e| {
                matches!(e, E::WrongType { key: "TTL", .. })
            }),
            (
                r#"{"VERSION":1,"PATHWAY-PRIORITY":["a"],"PATHWAY-CLONES":[{"BASE-ID":"a","ID":"b","URI-REPLACEMENT":{"HOST":"evil.com/x"}}]}"#,
                |e| matches!(e, E::BadUri { key: "HOST", .. }),
            ),
            (
                r#"{"VERSION":1,"PATHWAY-PRIORITY":["a"],"PATHWAY-CLONES":[{"BASE-ID":"a","ID":"b","URI-REPLACEMENT":{"PER-VARIANT-URIS":{"v":"javascript:alert(1)"}}}]}"#,
                |e| matches!(e, E::BadUri { .. }),
            ),
        ];
        for (text, check) in cases {
            let e = SteeringManifest::parse(text.as_bytes()).unwrap_err();
            assert!(check(&e), "{text}: {e:?}");
        }
        let big = format!(
            r#"{{"VERSION":1,"PATHWAY-PRIORITY":[{}]}}"#,
            (0..=MAX_PATHWAYS)
                .map(|i| format!("\"p{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(matches!(
            SteeringManifest::parse(big.as_bytes()),
            Err(E::TooLarge { .. })
        ));
    }

    #[test]
    fn client_obeys_ttl_410_429_and_reload_uri() {
        let t = Timestamp::from_secs;
        let mut c =
            SteeringClient::new("https://s.example/steer", SteeringProtocol::Dash, t(0)).unwrap();
        let r = c
            .poll(t(0), &[("a", Some(1000)), ("b", Some(2000))])
            .unwrap();
        assert_eq!(
            r.url,
            "https://s.example/steer?_DASH_pathway=%22a%2Cb%22&_DASH_throughput=1000%2C2000"
        );
        assert!(c.poll(t(0), &[]).is_none(), "one request at a time");
        assert_eq!(
            c.on_response(t(1), 200, None, FULL.as_bytes()).unwrap(),
            SteeringOutcome::Updated
        );
        assert_eq!(c.next_fetch_at(), Some(t(11)));
        let r = c.poll(t(11), &[]).unwrap();
        assert_eq!(r.url, "https://s.example/next?token=2");
        // Garbage keeps the old manifest and waits a TTL.
        assert!(c.on_response(t(12), 200, None, b"{nope").is_err());
        assert_eq!(c.priority().unwrap()[0], "cdn-b");
        assert_eq!(c.next_fetch_at(), Some(t(22)));
        c.poll(t(22), &[]).unwrap();
        assert_eq!(
            c.on_response(t(22), 429, Some(Duration::from_secs(60)), b"")
                .unwrap(),
            SteeringOutcome::Throttled
        );
        assert!(c.poll(t(81), &[]).is_none());
        c.poll(t(82), &[]).unwrap();
        assert_eq!(
            c.on_response(t(83), 410, None, b"").unwrap(),
            SteeringOutcome::Stopped
        );
        assert!(c.poll(t(10_000), &[]).is_none());
        assert_eq!(c.priority().unwrap()[0], "cdn-b", "last order stays");
    }

    #[test]
    fn data_uri_is_applied_without_a_fetch() {
        let json = r#"{"VERSION":1,"PATHWAY-PRIORITY":["x","y"]}"#;
        let pct: String = json
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut c = SteeringClient::new(
            &format!("data:application/json,{pct}"),
            SteeringProtocol::Hls,
            Timestamp::ZERO,
        )
        .unwrap();
        assert_eq!(c.priority().unwrap(), ["x", "y"]);
        assert!(c.poll(Timestamp::from_secs(1000), &[]).is_none());
        assert!(matches!(
            SteeringClient::new("file:///etc/passwd", SteeringProtocol::Hls, Timestamp::ZERO),
            Err(SteeringError::BadServerUri(_))
        ));
    }
}
