//! A ladder and segment lists the host parsed itself.
//!
//! A player that keeps its own manifest parser (hls.js, ExoPlayer, AVPlayer) already holds
//! the variants and every loaded media playlist as objects. It hands them to the agent as
//! [`Event::LadderLoaded`](super::Event::LadderLoaded) and
//! [`Event::SegmentsLoaded`](super::Event::SegmentsLoaded) instead of the text: nothing is
//! fetched or parsed twice, and a build without dmoe-core's `hls` feature (the npm
//! package's) needs no parser at all. The agent then behaves as after
//! `ManifestLoaded` / `PlaylistLoaded`: rendition `i` is the `i`-th entry of the ladder,
//! a `LoadPlaylist` output names the rendition whose segments it waits for.
//!
//! ```
//! use std::time::Duration;
//! use dmoe_core::agent::{Agent, Config, Event, HostRendition, HostSegment, HostSegments, Input, Output};
//! use dmoe_core::{AbrContext, AbrController, Decision, Reason, Timestamp};
//!
//! struct Lowest;
//! impl AbrController for Lowest {
//!     fn name(&self) -> &'static str { "lowest" }
//!     fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
//!         Decision { rung: 0, reason: Reason::Rule, estimate_bps: None, buffer: ctx.buffer, playback_rate: None }
//!     }
//! }
//! let mut agent = Agent::new(Config { seed: Some(1), ..Config::default() }, Box::new(Lowest))?;
//! let rendition = |kbps: u64| HostRendition {
//!     bandwidth_bps: kbps * 1000,
//!     url: format!("https://cdn.example/{kbps}/index.m3u8"),
//!     ..HostRendition::default()
//! };
//! agent.handle_input(Input::new(Timestamp::ZERO, Event::LadderLoaded {
//!     url: "https://cdn.example/master.m3u8".into(),
//!     renditions: vec![rendition(800), rendition(2400)],
//! }))?;
//! // The agent names the rendition whose segments it needs first.
//! let mut wanted = None;
//! while let Some(o) = agent.poll_output() {
//!     if let Output::LoadPlaylist { rendition, .. } = o { wanted = Some(rendition); }
//! }
//! let segments = HostSegments {
//!     ended: true,
//!     segments: (0..3).map(|n| HostSegment {
//!         number: n,
//!         start: Duration::from_secs(4 * n),
//!         duration: Duration::from_secs(4),
//!         url: format!("https://cdn.example/800/{n}.m4s"),
//!         ..HostSegment::default()
//!     }).collect(),
//!     ..HostSegments::default()
//! };
//! agent.handle_input(Input::new(Timestamp::from_millis(50), Event::SegmentsLoaded {
//!     rendition: wanted.unwrap(),
//!     segments,
//! }))?;
//! let fetch = std::iter::from_fn(|| agent.poll_output()).find_map(|o| match o {
//!     Output::Fetch(f) => Some(f),
//!     _ => None,
//! });
//! assert_eq!(fetch.unwrap().url, "https://cdn.example/800/0.m4s");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::units::serde_ms;
use crate::{
    Bitrate, ByteRange, InitSection, ManifestFormat, MediaType, Presentation, PresentationKind,
    Rendition, RenditionId, Resolution, Segment, SegmentIndex, Variant, VariantId,
};

use super::AgentError;

/// One rendition of a ladder the host parsed (an HLS variant, a DASH Representation).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRendition {
    /// Peak bitrate in bits per second (HLS `BANDWIDTH`, DASH `@bandwidth`); a rendition
    /// with 0 is not offered.
    pub bandwidth_bps: u64,
    /// Average bitrate in bits per second, when declared; the ABR plans with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_bandwidth_bps: Option<u64>,
    /// Picture width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Picture height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// The codecs string (`avc1.64001f,mp4a.40.2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codecs: Option<String>,
    /// Its media playlist's absolute URL (`""` when there is none to name).
    #[serde(default)]
    pub url: String,
    /// The pathway (CDN) serving it: HLS `PATHWAY-ID`, DASH `serviceLocation`. Entries that
    /// differ only by pathway are one rung served by several edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway: Option<String>,
}

/// An initialization section (CMAF header, `EXT-X-MAP`) of a host-parsed segment list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInit {
    /// Absolute URL.
    pub url: String,
    /// Byte range within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_range: Option<ByteRange>,
}

/// One media segment of a host-parsed segment list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSegment {
    /// Its sequence number (HLS media sequence, DASH `$Number$`): ascending in a list,
    /// and the same segment keeps its number across refreshes of a live list.
    pub number: u64,
    /// Media time of its start (`start_ms`).
    #[serde(rename = "start_ms", with = "serde_ms")]
    pub start: Duration,
    /// Its duration (`duration_ms`).
    #[serde(rename = "duration_ms", with = "serde_ms")]
    pub duration: Duration,
    /// Absolute URL.
    pub url: String,
    /// Byte range within it (its length is the segment's size, which the ABR then uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_range: Option<ByteRange>,
    /// Index into [`HostSegments::inits`] of its initialization section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<u32>,
}

/// A rendition's segment list as the host parsed it (a loaded or refreshed media
/// playlist).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSegments {
    /// No segment will be added (`EXT-X-ENDLIST`, a static MPD): VOD.
    pub ended: bool,
    /// The longest segment duration the list promises (`EXT-X-TARGETDURATION`;
    /// `target_duration_ms`).
    #[serde(
        default,
        rename = "target_duration_ms",
        with = "crate::units::serde_opt_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_duration: Option<Duration>,
    /// Initialization sections the segments refer to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inits: Vec<HostInit>,
    /// The segments, in ascending number order.
    pub segments: Vec<HostSegment>,
}

/// The presentation a host-parsed ladder describes: one variant and one rendition per
/// entry, in order, with no segments yet. Values were checked by the input gate.
pub(super) fn presentation(renditions: &[HostRendition]) -> Result<Presentation, AgentError> {
    if renditions.iter().all(|r| r.bandwidth_bps == 0) {
        return Err(AgentError::NothingToPlay);
    }
    let mut p = Presentation::empty(ManifestFormat::HlsMultivariant, PresentationKind::Vod);
    for (i, h) in renditions.iter().enumerate() {
        let id = RenditionId(i as u32);
        let resolution = match (h.width, h.height) {
            (Some(width), Some(height)) => Some(Resolution { width, height }),
            _ => None,
        };
        let frame_rate = h.frame_rate;
        let codecs = h.codecs.clone().filter(|c| !c.is_empty());
        let media = MediaType::of_stream(codecs.as_deref(), resolution.is_some());
        // Unique per entry: the model matches renditions across updates by this key.
        let mut r = Rendition::new(id, format!("{i}:{}", h.url), 0, media);
        r.uri = (!h.url.is_empty()).then(|| h.url.clone());
        r.bandwidth = Some(Bitrate(h.bandwidth_bps));
        r.codecs = codecs.clone();
        r.resolution = resolution;
        r.frame_rate = frame_rate;
        r.pathway = h.pathway.clone();
        p.renditions.push(r);
        p.variants.push(Variant {
            id: VariantId(i as u32),
            period: 0,
            rendition: id,
            bandwidth: Bitrate(h.bandwidth_bps),
            average_bandwidth: h.average_bandwidth_bps.map(Bitrate),
            codecs,
            resolution,
            frame_rate,
            video_range: None,
            hdcp_level: None,
            audio_group: None,
            video_group: None,
            subtitle_group: None,
            closed_captions: None,
            pathway: h.pathway.clone(),
            stable_id: None,
            i_frames_only: false,
            score: None,
        });
    }
    Ok(p)
}

/// The model's segment index for a host-parsed list whose values the input gate checked:
/// numbers ascending, init references valid.
pub(super) fn segment_index(list: HostSegments) -> Result<SegmentIndex, AgentError> {
    let mut index = SegmentIndex {
        loaded: true,
        ended: list.ended,
        target_duration: list.target_duration,
        ..SegmentIndex::default()
    };
    index.media_sequence = list.segments.first().map_or(0, |s| s.number);
    index.init_sections = list
        .inits
        .into_iter()
        .map(|i| InitSection {
            url: i.url,
            byte_range: i.byte_range,
            key_set: None,
        })
        .collect();
    let mut previous: Option<u64> = None;
    for s in list.segments {
        if previous.is_some_and(|p| s.number <= p) {
            return Err(AgentError::InvalidValue {
                field: "segments",
                rule: "numbers ascending",
            });
        }
        if s.init
            .is_some_and(|i| i as usize >= index.init_sections.len())
        {
            return Err(AgentError::InvalidValue {
                field: "init",
                rule: "an index into the list's inits",
            });
        }
        previous = Some(s.number);
        let mut seg = Segment::plain(s.number, s.url, s.byte_range, s.start, s.duration);
        // A list with one init section applies it to every segment, as EXT-X-MAP does.
        seg.init = s
            .init
            .or_else(|| (index.init_sections.len() == 1).then_some(0));
        index.segments.push(seg);
    }
    Ok(index)
}
