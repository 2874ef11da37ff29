//! The format-neutral presentation model that HLS playlists and DASH MPDs both parse into.
//!
//! A [`Presentation`] holds [`Period`]s, [`Variant`]s (what an ABR chooses between) and
//! [`Rendition`]s (one media playlist or DASH Representation each, with its
//! [`SegmentIndex`]). Ids are indices into those vectors and stay stable across live updates
//! of the same manifest.

mod merge;

use std::time::Duration;

pub use merge::MergeSummary;

use crate::error::Warning;
use crate::units::{Bitrate, ByteRange, WallClock};

#[cfg(feature = "serde")]
use crate::units::{serde_opt_secs, serde_secs};

/// Which kind of document the model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ManifestFormat {
    /// An HLS multivariant (master) playlist.
    #[cfg_attr(feature = "serde", serde(rename = "hls-multivariant"))]
    HlsMultivariant,
    /// An HLS media playlist.
    #[cfg_attr(feature = "serde", serde(rename = "hls-media"))]
    HlsMedia,
    /// A DASH MPD.
    #[cfg_attr(feature = "serde", serde(rename = "dash"))]
    Dash,
}

impl ManifestFormat {
    /// The name used by `dmoe-inspect --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HlsMultivariant => "hls-multivariant",
            Self::HlsMedia => "hls-media",
            Self::Dash => "dash",
        }
    }
}

/// Whether the presentation is complete, growing, or a sliding live window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum PresentationKind {
    /// Complete: HLS `PLAYLIST-TYPE:VOD` or `EXT-X-ENDLIST`, DASH `type="static"`.
    Vod,
    /// Sliding window: HLS without `ENDLIST`, DASH `type="dynamic"`.
    Live,
    /// Growing, nothing removed: HLS `PLAYLIST-TYPE:EVENT` without `ENDLIST`.
    Event,
}

impl PresentationKind {
    /// The name used by `dmoe-inspect --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vod => "vod",
            Self::Live => "live",
            Self::Event => "event",
        }
    }
}

/// The type of media a rendition carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MediaType {
    /// Video (possibly muxed with audio).
    Video,
    /// Audio only.
    Audio,
    /// Subtitles or other timed text.
    Subtitles,
    /// In-band closed captions (no segments of their own).
    ClosedCaptions,
    /// Not known from the manifest.
    Unknown,
}

impl MediaType {
    /// What a variant carries, from its `CODECS` and whether it declares a resolution:
    /// video when it has a resolution, a video codec, or no codecs at all; else audio.
    #[cfg_attr(not(any(feature = "hls", feature = "serde")), allow(dead_code))]
    pub(crate) fn of_stream(codecs: Option<&str>, has_resolution: bool) -> Self {
        if has_resolution {
            return Self::Video;
        }
        match codecs {
            Some(c) => {
                let video = c.split(',').any(|c| {
                    let c = c.trim();
                    [
                        "avc", "hvc", "hev", "av01", "vp09", "vp8", "dvh", "dva", "mp4v",
                    ]
                    .iter()
                    .any(|p| c.starts_with(p))
                });
                if video { Self::Video } else { Self::Audio }
            }
            None => Self::Video,
        }
    }
}

/// Index of a [`Rendition`] in [`Presentation::renditions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct RenditionId(pub u32);

/// Index of a [`Variant`] in [`Presentation::variants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct VariantId(pub u32);

/// A picture size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Resolution {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Dynamic range of a video rendition (HLS `VIDEO-RANGE`, DASH transfer characteristics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum VideoRange {
    /// Standard dynamic range.
    Sdr,
    /// Hybrid log-gamma.
    Hlg,
    /// Perceptual quantizer (HDR10, Dolby Vision).
    Pq,
}

/// One complete presentation: what a manifest describes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Presentation {
    /// The document format.
    pub format: ManifestFormat,
    /// VOD, live or event.
    pub kind: PresentationKind,
    /// Total duration when known (VOD, or DASH `mediaPresentationDuration`).
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub duration: Option<Duration>,
    /// Periods (HLS has exactly one).
    pub periods: Vec<Period>,
    /// Variants: the choices an ABR switches between.
    pub variants: Vec<Variant>,
    /// Renditions: media playlists / Representations, each with its segment index.
    pub renditions: Vec<Rendition>,
    /// Live timing, when the presentation is live or event.
    pub live: Option<LiveTiming>,
    /// Low-latency signalling (LL-HLS server control, DASH ServiceDescription).
    pub low_latency: Option<LowLatency>,
    /// Content steering (HLS `EXT-X-CONTENT-STEERING`, DASH `ContentSteering`).
    pub steering: Option<ContentSteering>,
    /// Session-level keys (HLS `EXT-X-SESSION-KEY`).
    pub session_keys: Vec<Key>,
    /// DASH `ContentProtection` descriptors, from every level of the MPD.
    pub content_protection: Vec<ContentProtection>,
    /// Preferred start point (HLS `EXT-X-START`).
    pub start: Option<StartPoint>,
    /// `EXT-X-INDEPENDENT-SEGMENTS`.
    pub independent_segments: bool,
    /// HLS `EXT-X-SESSION-DATA` entries.
    pub session_data: Vec<SessionData>,
    /// DASH `Location` elements (where to reload the MPD).
    pub locations: Vec<String>,
    /// DASH `UTCTiming` schemes and values.
    pub utc_timing: Vec<UtcTiming>,
    /// HLS `EXT-X-VERSION`.
    pub version: Option<u32>,
    /// HLS `EXT-X-DEFINE` variables of a multivariant playlist (name, value); media playlists
    /// loaded later may `IMPORT` them.
    pub variables: Vec<(String, String)>,
    /// Tags or elements DMOE keeps but does not interpret (HLS unknown tags).
    pub other_tags: Vec<OtherTag>,
    /// Recoverable problems met while parsing.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub warnings: Vec<Warning>,
}

/// Counts of the model's contents; `dmoe-inspect` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Counts {
    /// Variants.
    pub variants: usize,
    /// Renditions.
    pub renditions: usize,
    /// Segments over all renditions.
    pub segments: usize,
    /// LL-HLS parts over all renditions.
    pub parts: usize,
    /// LL-HLS preload hints.
    pub preload_hints: usize,
    /// LL-HLS rendition reports.
    pub rendition_reports: usize,
    /// Key declarations: HLS `EXT-X-KEY`/`EXT-X-SESSION-KEY` with a method other than NONE,
    /// DASH `ContentProtection`.
    pub keys: usize,
}

impl Presentation {
    #[cfg_attr(not(any(feature = "hls", feature = "serde")), allow(dead_code))]
    pub(crate) fn empty(format: ManifestFormat, kind: PresentationKind) -> Self {
        Self {
            format,
            kind,
            duration: None,
            periods: Vec::new(),
            variants: Vec::new(),
            renditions: Vec::new(),
            live: None,
            low_latency: None,
            steering: None,
            session_keys: Vec::new(),
            content_protection: Vec::new(),
            start: None,
            independent_segments: false,
            session_data: Vec::new(),
            locations: Vec::new(),
            utc_timing: Vec::new(),
            version: None,
            variables: Vec::new(),
            other_tags: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Count what the model holds.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            variants: self.variants.len(),
            renditions: self.renditions.len(),
            keys: self.session_keys.len() + self.content_protection.len(),
            ..Counts::default()
        };
        for r in &self.renditions {
            let s = &r.segments;
            c.segments += s.segments.len();
            c.parts += s.parts.len();
            c.preload_hints += s.preload_hints.len();
            c.rendition_reports += s.rendition_reports.len();
            c.keys += s
                .keys
                .iter()
                .filter(|k| k.method != KeyMethod::None)
                .count();
        }
        c
    }

    /// The rendition with this id.
    pub fn rendition(&self, id: RenditionId) -> Option<&Rendition> {
        self.renditions.get(id.0 as usize)
    }

    /// The variant with this id.
    pub fn variant(&self, id: VariantId) -> Option<&Variant> {
        self.variants.get(id.0 as usize)
    }
}

/// A DASH Period, or the single implicit period of an HLS presentation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Period {
    /// `Period@id`.
    pub id: Option<String>,
    /// Start relative to the presentation start.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_secs::serialize"))]
    pub start: Duration,
    /// Duration when known.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub duration: Option<Duration>,
}

/// One choice for the ABR: a video (or main) rendition and the groups that play with it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Variant {
    /// This variant's id.
    pub id: VariantId,
    /// Index of its period.
    pub period: u32,
    /// The main rendition (HLS: the variant's media playlist).
    pub rendition: RenditionId,
    /// Peak bandwidth (HLS `BANDWIDTH`, DASH `@bandwidth`).
    pub bandwidth: Bitrate,
    /// Average bandwidth (HLS `AVERAGE-BANDWIDTH`).
    pub average_bandwidth: Option<Bitrate>,
    /// RFC 6381 codecs.
    pub codecs: Option<String>,
    /// Picture size.
    pub resolution: Option<Resolution>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    /// Dynamic range.
    pub video_range: Option<VideoRange>,
    /// HDCP level required (`TYPE-0`, `TYPE-1`, `NONE`).
    pub hdcp_level: Option<String>,
    /// Audio group id (HLS `AUDIO`; DASH: the audio AdaptationSet id).
    pub audio_group: Option<String>,
    /// Video group id (HLS `VIDEO`).
    pub video_group: Option<String>,
    /// Subtitle group id (HLS `SUBTITLES`).
    pub subtitle_group: Option<String>,
    /// Closed-caption group id or `NONE` (HLS `CLOSED-CAPTIONS`).
    pub closed_captions: Option<String>,
    /// Content-steering pathway (HLS `PATHWAY-ID`; DASH `serviceLocation`).
    pub pathway: Option<String>,
    /// HLS `STABLE-VARIANT-ID`.
    pub stable_id: Option<String>,
    /// An I-frame-only variant (`EXT-X-I-FRAME-STREAM-INF`, DASH trick mode).
    pub i_frames_only: bool,
    /// HLS `SCORE`.
    pub score: Option<f64>,
}

/// A base URL a rendition can be fetched from (DASH `BaseURL`), with its service location.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BaseUrl {
    /// The resolved URL.
    pub url: String,
    /// `@serviceLocation`: the pathway / CDN it belongs to.
    pub service_location: Option<String>,
}

/// One media playlist (HLS) or Representation (DASH).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Rendition {
    /// This rendition's id.
    pub id: RenditionId,
    /// A textual id that names it across manifest reloads: the HLS playlist URI or
    /// `GROUP-ID/NAME`, or DASH `period/adaptation-set/representation` ids.
    pub stable_key: String,
    /// Index of its period.
    pub period: u32,
    /// Media type.
    pub media_type: MediaType,
    /// HLS: URL of the media playlist (None for a rendition muxed into the variant).
    pub uri: Option<String>,
    /// HLS `GROUP-ID`; DASH AdaptationSet id.
    pub group_id: Option<String>,
    /// HLS `NAME`; DASH `Label`.
    pub name: Option<String>,
    /// Language (RFC 5646).
    pub language: Option<String>,
    /// HLS `DEFAULT`.
    pub default: bool,
    /// HLS `AUTOSELECT`.
    pub autoselect: bool,
    /// HLS `FORCED`.
    pub forced: bool,
    /// Audio channels (HLS `CHANNELS`, DASH AudioChannelConfiguration value).
    pub channels: Option<String>,
    /// HLS `CHARACTERISTICS`; DASH Role values.
    pub characteristics: Option<String>,
    /// HLS `INSTREAM-ID`.
    pub instream_id: Option<String>,
    /// HLS `STABLE-RENDITION-ID`.
    pub stable_id: Option<String>,
    /// Bandwidth of this rendition alone when known (DASH `@bandwidth`).
    pub bandwidth: Option<Bitrate>,
    /// Codecs.
    pub codecs: Option<String>,
    /// MIME type (DASH `@mimeType`).
    pub mime_type: Option<String>,
    /// Picture size.
    pub resolution: Option<Resolution>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    /// Audio sampling rate in Hz.
    pub sampling_rate: Option<u32>,
    /// Pathway / service location of the URLs below.
    pub pathway: Option<String>,
    /// All base URLs (DASH): one per CDN / service location; segments resolve against the first.
    pub base_urls: Vec<BaseUrl>,
    /// The segment index (empty until an HLS media playlist is loaded).
    pub segments: SegmentIndex,
}

impl Rendition {
    #[cfg_attr(not(any(feature = "hls", feature = "serde")), allow(dead_code))]
    pub(crate) fn new(
        id: RenditionId,
        stable_key: String,
        period: u32,
        media_type: MediaType,
    ) -> Self {
        Self {
            id,
            stable_key,
            period,
            media_type,
            uri: None,
            group_id: None,
            name: None,
            language: None,
            default: false,
            autoselect: false,
            forced: false,
            channels: None,
            characteristics: None,
            instream_id: None,
            stable_id: None,
            bandwidth: None,
            codecs: None,
            mime_type: None,
            resolution: None,
            frame_rate: None,
            sampling_rate: None,
            pathway: None,
            base_urls: Vec::new(),
            segments: SegmentIndex::default(),
        }
    }
}

/// HLS `PLAYLIST-TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum PlaylistType {
    /// `VOD`.
    Vod,
    /// `EVENT`.
    Event,
}

/// The segments of one rendition, with everything needed to fetch and time them.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SegmentIndex {
    /// Whether the index has been filled (an HLS multivariant leaves it empty until the media
    /// playlist is loaded).
    pub loaded: bool,
    /// Number of the first segment (HLS `EXT-X-MEDIA-SEQUENCE`, DASH `@startNumber`).
    pub media_sequence: u64,
    /// HLS `EXT-X-DISCONTINUITY-SEQUENCE`.
    pub discontinuity_sequence: u64,
    /// HLS `EXT-X-TARGETDURATION`, DASH nominal segment duration.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub target_duration: Option<Duration>,
    /// HLS `EXT-X-PART-INF:PART-TARGET`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub part_target: Option<Duration>,
    /// HLS `EXT-X-ENDLIST` seen (no more segments will be added).
    pub ended: bool,
    /// HLS `PLAYLIST-TYPE`.
    pub playlist_type: Option<PlaylistType>,
    /// HLS `EXT-X-I-FRAMES-ONLY`.
    pub i_frames_only: bool,
    /// LL-HLS server control of this playlist.
    pub server_control: Option<ServerControl>,
    /// Segments skipped by an `EXT-X-SKIP` delta update (0 after a merge fills them in).
    pub skipped_segments: u64,
    /// The segments, in order.
    pub segments: Vec<Segment>,
    /// LL-HLS parts, in order, including those of the segment still being produced.
    pub parts: Vec<Part>,
    /// LL-HLS preload hints.
    pub preload_hints: Vec<PreloadHint>,
    /// LL-HLS rendition reports.
    pub rendition_reports: Vec<RenditionReport>,
    /// Initialization sections that segments refer to.
    pub init_sections: Vec<InitSection>,
    /// Keys that segments refer to.
    pub keys: Vec<Key>,
    /// Sets of keys in force at once (indices into `keys`; several for multi-DRM).
    pub key_sets: Vec<Vec<u32>>,
    /// HLS `EXT-X-DATERANGE` entries.
    pub date_ranges: Vec<DateRange>,
    /// DASH SegmentBase: where the `sidx` index lives, to be expanded with
    /// [`cmaf::segments_from_sidx`](crate::cmaf::segments_from_sidx).
    pub index_range: Option<IndexRange>,
}

/// The byte range of a DASH SegmentBase index (`sidx`) within a single-file representation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IndexRange {
    /// The media URL.
    pub url: String,
    /// `@indexRange`.
    pub range: ByteRange,
    /// `@timescale`.
    pub timescale: u64,
    /// `@presentationTimeOffset`.
    pub presentation_time_offset: u64,
}

/// One media segment.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Segment {
    /// Media sequence number (HLS) or `$Number$` (DASH).
    pub number: u64,
    /// Resolved URL.
    pub url: String,
    /// Byte range within the URL's resource.
    pub byte_range: Option<ByteRange>,
    /// Start time relative to the period (HLS: sum of earlier durations in this playlist,
    /// after the first segment; DASH: presentation time).
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_secs::serialize"))]
    pub start: Duration,
    /// Duration.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_secs::serialize"))]
    pub duration: Duration,
    /// Preceded by a discontinuity.
    pub discontinuity: bool,
    /// Index into [`SegmentIndex::init_sections`].
    pub init: Option<u32>,
    /// Index into [`SegmentIndex::key_sets`]; None when unencrypted.
    pub key_set: Option<u32>,
    /// Wall-clock time of the first sample.
    pub program_date_time: Option<WallClock>,
    /// HLS `EXT-X-GAP`: the segment is missing. Also set for an `#EXTINF` that has no URI
    /// line (its `url` is then empty).
    pub gap: bool,
    /// HLS `EXT-X-BITRATE`.
    pub bitrate: Option<Bitrate>,
}

impl Segment {
    /// A plain segment: no discontinuity, init, keys, date or gap.
    #[cfg_attr(not(any(feature = "hls", feature = "serde")), allow(dead_code))]
    pub(crate) fn plain(
        number: u64,
        url: String,
        byte_range: Option<ByteRange>,
        start: Duration,
        duration: Duration,
    ) -> Self {
        Self {
            number,
            url,
            byte_range,
            start,
            duration,
            discontinuity: false,
            init: None,
            key_set: None,
            program_date_time: None,
            gap: false,
            bitrate: None,
        }
    }
}

/// An LL-HLS partial segment.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Part {
    /// Media sequence number of the segment it belongs to.
    pub segment: u64,
    /// Index of the part within that segment.
    pub index: u32,
    /// Resolved URL.
    pub url: String,
    /// Byte range.
    pub byte_range: Option<ByteRange>,
    /// Duration.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_secs::serialize"))]
    pub duration: Duration,
    /// `INDEPENDENT=YES`.
    pub independent: bool,
    /// `GAP=YES`.
    pub gap: bool,
}

/// What an LL-HLS preload hint announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum HintType {
    /// The next part.
    Part,
    /// The next initialization section.
    Map,
    /// A type this version of DMOE does not know (clients must ignore it).
    Unknown,
}

/// An LL-HLS `EXT-X-PRELOAD-HINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PreloadHint {
    /// Part or map.
    pub hint_type: HintType,
    /// Resolved URL.
    pub url: String,
    /// `BYTERANGE-START`.
    pub byte_range_start: Option<u64>,
    /// `BYTERANGE-LENGTH` (None: to the end of the resource).
    pub byte_range_length: Option<u64>,
}

/// An LL-HLS `EXT-X-RENDITION-REPORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RenditionReport {
    /// Resolved URL of the reported playlist.
    pub url: String,
    /// `LAST-MSN`.
    pub last_msn: Option<u64>,
    /// `LAST-PART`.
    pub last_part: Option<u64>,
}

/// An initialization section (HLS `EXT-X-MAP`, DASH `Initialization`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InitSection {
    /// Resolved URL.
    pub url: String,
    /// Byte range.
    pub byte_range: Option<ByteRange>,
    /// Index into [`SegmentIndex::key_sets`] of the keys in force for it.
    pub key_set: Option<u32>,
}

/// An encryption method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum KeyMethod {
    /// `NONE`: unencrypted from here on.
    None,
    /// `AES-128` whole-segment encryption.
    Aes128,
    /// `AES-256` whole-segment encryption.
    Aes256,
    /// `SAMPLE-AES` (cbcs).
    SampleAes,
    /// `SAMPLE-AES-CTR` (cenc).
    SampleAesCtr,
    /// Any other method, as written.
    Other(String),
}

/// An encryption key declaration (HLS `EXT-X-KEY` / `EXT-X-SESSION-KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Key {
    /// Method.
    pub method: KeyMethod,
    /// Resolved key URI (may be `skd:` or `data:` for DRM systems; never fetched by DMOE).
    pub uri: Option<String>,
    /// Initialization vector.
    pub iv: Option<[u8; 16]>,
    /// `KEYFORMAT` (default `identity`).
    pub key_format: Option<String>,
    /// `KEYFORMATVERSIONS`.
    pub key_format_versions: Option<String>,
}

/// A DASH `ContentProtection` descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ContentProtection {
    /// `@schemeIdUri`.
    pub scheme_id_uri: String,
    /// `@value`.
    pub value: Option<String>,
    /// `cenc:default_KID`.
    pub default_kid: Option<String>,
    /// Base64 `cenc:pssh` text.
    pub pssh: Option<String>,
    /// License server URL (`dashif:Laurl`, `ms:laurl`, `clearkey:Laurl`).
    pub license_url: Option<String>,
}

/// An HLS `EXT-X-DATERANGE`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DateRange {
    /// `ID`.
    pub id: String,
    /// `CLASS`.
    pub class: Option<String>,
    /// `START-DATE`.
    pub start: Option<WallClock>,
    /// `DURATION` or `PLANNED-DURATION`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub duration: Option<Duration>,
    /// The raw attribute list (SCTE-35 and interstitial attributes included).
    pub attributes: String,
}

/// A tag DMOE keeps without interpreting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct OtherTag {
    /// 1-based line.
    pub line: u32,
    /// The tag, e.g. `#EXT-X-CUE-OUT`.
    pub name: String,
    /// What follows the colon.
    pub value: Option<String>,
}

/// HLS `EXT-X-SERVER-CONTROL`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ServerControl {
    /// `CAN-BLOCK-RELOAD=YES`.
    pub can_block_reload: bool,
    /// `CAN-SKIP-UNTIL`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub can_skip_until: Option<Duration>,
    /// `CAN-SKIP-DATERANGES=YES`.
    pub can_skip_dateranges: bool,
    /// `HOLD-BACK`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub hold_back: Option<Duration>,
    /// `PART-HOLD-BACK`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub part_hold_back: Option<Duration>,
}

/// Live timing of a presentation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LiveTiming {
    /// DASH `availabilityStartTime`.
    pub availability_start: Option<WallClock>,
    /// DASH `publishTime`.
    pub publish_time: Option<WallClock>,
    /// DASH `timeShiftBufferDepth`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub time_shift_depth: Option<Duration>,
    /// DASH `minimumUpdatePeriod`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub minimum_update_period: Option<Duration>,
    /// DASH `suggestedPresentationDelay`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub suggested_delay: Option<Duration>,
    /// HLS target duration / DASH `maxSegmentDuration`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub target_duration: Option<Duration>,
    /// HLS `HOLD-BACK` (default three target durations).
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub hold_back: Option<Duration>,
    /// DASH `minBufferTime`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub min_buffer_time: Option<Duration>,
}

/// Low-latency signalling.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LowLatency {
    /// LL-HLS `PART-TARGET`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub part_target: Option<Duration>,
    /// LL-HLS `PART-HOLD-BACK`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub part_hold_back: Option<Duration>,
    /// LL-HLS `CAN-BLOCK-RELOAD`.
    pub can_block_reload: bool,
    /// LL-HLS `CAN-SKIP-UNTIL`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub can_skip_until: Option<Duration>,
    /// DASH `Latency@target`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub target_latency: Option<Duration>,
    /// DASH `Latency@min`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub min_latency: Option<Duration>,
    /// DASH `Latency@max`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serde_opt_secs::serialize"))]
    pub max_latency: Option<Duration>,
    /// DASH `PlaybackRate@min`.
    pub min_playback_rate: Option<f64>,
    /// DASH `PlaybackRate@max`.
    pub max_playback_rate: Option<f64>,
    /// DASH `availabilityTimeOffset` (largest found; may be infinite).
    pub availability_time_offset: Option<f64>,
    /// DASH `availabilityTimeComplete="false"` seen.
    pub chunked: bool,
    /// DASH `OperatingBandwidth@max`.
    pub max_bandwidth: Option<Bitrate>,
    /// DASH `OperatingBandwidth@min`.
    pub min_bandwidth: Option<Bitrate>,
}

/// Content steering signalling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ContentSteering {
    /// Steering server URI (may be a `data:` URI).
    pub server_uri: String,
    /// Initial pathway (HLS `PATHWAY-ID`, DASH `@defaultServiceLocation`).
    pub default_pathway: Option<String>,
    /// DASH `@queryBeforeStart`.
    pub query_before_start: bool,
    /// DASH `@clientRequirement` (default true).
    pub client_requirement: bool,
}

/// HLS `EXT-X-START`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StartPoint {
    /// `TIME-OFFSET` in seconds (negative: from the end).
    pub time_offset: f64,
    /// `PRECISE=YES`.
    pub precise: bool,
}

/// HLS `EXT-X-SESSION-DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SessionData {
    /// `DATA-ID`.
    pub data_id: String,
    /// `VALUE`.
    pub value: Option<String>,
    /// `URI`.
    pub uri: Option<String>,
    /// `LANGUAGE`.
    pub language: Option<String>,
}

/// DASH `UTCTiming`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UtcTiming {
    /// `@schemeIdUri`.
    pub scheme_id_uri: String,
    /// `@value`.
    pub value: Option<String>,
}
