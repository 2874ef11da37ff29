//! Parse options: strictness, limits, base URL and the host's wall clock.

#[cfg(feature = "hls")]
use crate::error::{Limit, ManifestError, Rule, Warning};
use crate::units::WallClock;

/// How strictly manifests are checked against their specification.
///
/// The idea comes from mp4parse's `ParseStrictness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Strictness {
    /// Every recoverable violation is a warning; only unusable input fails.
    Permissive,
    /// Violations that deployed players reject fail; those they tolerate give warnings.
    /// The default.
    #[default]
    Normal,
    /// Every violation fails, tolerated ones included.
    Strict,
}

/// Caps that bound the memory and time spent on one manifest.
///
/// The defaults accept every real manifest we know of (several hours of 1 s segments,
/// multi-period ad-inserted MPDs) and refuse hostile ones quickly. Override single fields
/// with struct update syntax:
///
/// ```
/// let l = dmoe_core::Limits { max_segments_per_rendition: 10_000, ..Default::default() };
/// assert_eq!(l.max_periods, 1_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest manifest accepted, in bytes. Default 16 MiB.
    pub max_manifest_bytes: usize,
    /// Longest HLS line or DASH attribute/text value, in bytes. Default 64 KiB.
    pub max_line_bytes: usize,
    /// Most segments of one rendition after template expansion. Default 200 000.
    pub max_segments_per_rendition: u64,
    /// Most segments of the whole presentation. Default 1 000 000.
    pub max_total_segments: u64,
    /// Most DASH periods. Default 1 000.
    pub max_periods: usize,
    /// Deepest XML nesting. Default 32.
    pub max_xml_depth: usize,
    /// Most XML elements. Default 500 000.
    pub max_xml_elements: usize,
    /// Most variants plus renditions. Default 10 000.
    pub max_renditions: usize,
    /// Most items in any other list (parts, hints, reports, keys, date ranges, other tags,
    /// warnings). Default 100 000.
    pub max_list_items: usize,
    /// Longest window of a live DASH presentation that is expanded into segments, in
    /// seconds. A dynamic MPD without `timeShiftBufferDepth` has an unbounded window
    /// (DASH-IF live sources start in 1970); DMOE expands the most recent part of it.
    /// Default 7 200 (two hours).
    pub max_live_window_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 16 << 20,
            max_line_bytes: 64 << 10,
            max_segments_per_rendition: 200_000,
            max_total_segments: 1_000_000,
            max_periods: 1_000,
            max_xml_depth: 32,
            max_xml_elements: 500_000,
            max_renditions: 10_000,
            max_list_items: 100_000,
            max_live_window_secs: 7_200,
        }
    }
}

#[cfg(feature = "hls")]
impl Limits {
    pub(crate) fn max_for(&self, limit: Limit) -> u64 {
        match limit {
            Limit::ManifestBytes => self.max_manifest_bytes as u64,
            Limit::LineLength => self.max_line_bytes as u64,
            Limit::SegmentsPerRendition => self.max_segments_per_rendition,
            Limit::TotalSegments => self.max_total_segments,
            Limit::Periods => self.max_periods as u64,
            Limit::XmlDepth => self.max_xml_depth as u64,
            Limit::XmlElements => self.max_xml_elements as u64,
            Limit::Renditions => self.max_renditions as u64,
            Limit::ListItems => self.max_list_items as u64,
        }
    }
}

/// Everything a parse needs besides the bytes.
///
/// ```
/// use dmoe_core::{ParseOptions, Strictness};
/// let opts = ParseOptions::new()
///     .base_url("https://cdn.example.com/live/master.m3u8")
///     .strictness(Strictness::Strict);
/// assert_eq!(opts.strictness, Strictness::Strict);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ParseOptions {
    /// How strictly to check the specification.
    pub strictness: Strictness,
    /// Memory and work caps.
    pub limits: Limits,
    /// The URL the manifest was fetched from; relative URIs resolve against it (RFC 3986).
    /// Without one, relative references are kept relative.
    pub base_url: Option<String>,
    /// The host's wall clock, used to find which segments of a live DASH presentation exist.
    pub now: Option<WallClock>,
}

impl ParseOptions {
    /// Default options: `Normal` strictness, default limits, no base URL, no clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the strictness.
    pub fn strictness(mut self, s: Strictness) -> Self {
        self.strictness = s;
        self
    }

    /// Set the limits.
    pub fn limits(mut self, l: Limits) -> Self {
        self.limits = l;
        self
    }

    /// Set the URL the manifest was loaded from.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Set the host's wall clock.
    pub fn now(mut self, now: WallClock) -> Self {
        self.now = Some(now);
        self
    }
}

/// Collects warnings and turns violations into errors according to the strictness.
#[cfg(feature = "hls")]
#[derive(Debug)]
pub(crate) struct Diagnostics {
    pub(crate) strictness: Strictness,
    pub(crate) limits: Limits,
    pub(crate) warnings: Vec<Warning>,
}

#[cfg(feature = "hls")]
impl Diagnostics {
    pub(crate) fn new(opts: &ParseOptions) -> Self {
        Self {
            strictness: opts.strictness,
            limits: opts.limits,
            warnings: Vec::new(),
        }
    }

    /// Record a violation of `rule` at `line` that players enforce: an error unless
    /// permissive.
    pub(crate) fn violation(&mut self, line: u32, rule: Rule) -> Result<(), ManifestError> {
        self.record(line, rule, self.strictness != Strictness::Permissive)
    }

    /// Record a violation that players tolerate: an error only when strict.
    pub(crate) fn tolerated(&mut self, line: u32, rule: Rule) -> Result<(), ManifestError> {
        self.record(line, rule, self.strictness == Strictness::Strict)
    }

    fn record(&mut self, line: u32, rule: Rule, fatal: bool) -> Result<(), ManifestError> {
        if fatal {
            return Err(ManifestError::Violation { line, rule });
        }
        if self.warnings.len() < self.limits.max_list_items {
            self.warnings.push(Warning { line, rule });
        }
        Ok(())
    }

    /// Check that a list of `len` items may grow by one more.
    pub(crate) fn check_len(
        &self,
        limit: Limit,
        len: usize,
        line: u32,
    ) -> Result<(), ManifestError> {
        let max = self.limits.max_for(limit);
        if len as u64 >= max {
            Err(ManifestError::LimitExceeded { limit, max, line })
        } else {
            Ok(())
        }
    }
}
