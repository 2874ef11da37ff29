//! # dmoe-core
//!
//! The core of DMOE, the device agent of a distributed media optimization engine: it decides
//! what a player fetches next and from where. This crate holds the vocabulary
//! ([`Timestamp`], [`Bitrate`], [`ByteCount`], [`ByteRange`]) and the **presentation model**
//! that HLS (including LL-HLS) and DASH manifests parse into, plus CMAF/fMP4 facts.
//!
//! ## Sans-IO
//!
//! The core never opens a socket, starts a thread, sleeps or reads a clock. Manifests come in
//! as bytes that the host fetched; time comes in as values the host provides. That is what
//! lets the same core run in C, on the JVM, in Swift and in WebAssembly, and lets any session
//! be replayed.
//!
//! ## Parsing a manifest
//!
//! ```
//! use dmoe_core::{parse, ManifestFormat, ParseOptions, PresentationKind};
//!
//! let master = b"#EXTM3U
//! #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"
//! low/index.m3u8
//! #EXT-X-STREAM-INF:BANDWIDTH=2400000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"
//! hi/index.m3u8
//! ";
//! let opts = ParseOptions::new().base_url("https://cdn.example.com/show/master.m3u8");
//! let mut p = parse(master, &opts)?;
//! assert_eq!(p.format, ManifestFormat::HlsMultivariant);
//! assert_eq!(p.variants.len(), 2);
//!
//! // The host fetches the chosen variant's media playlist and hands its bytes back.
//! let rid = p.variants[1].rendition;
//! assert_eq!(p.renditions[rid.0 as usize].uri.as_deref(), Some("https://cdn.example.com/show/hi/index.m3u8"));
//! let media = b"#EXTM3U
//! #EXT-X-TARGETDURATION:4
//! #EXT-X-MAP:URI=\"init.mp4\"
//! #EXTINF:4.0,
//! seg1.m4s
//! #EXT-X-ENDLIST
//! ";
//! p.apply_media_playlist(rid, media, &ParseOptions::new())?;
//! let seg = &p.renditions[rid.0 as usize].segments.segments[0];
//! assert_eq!(seg.url, "https://cdn.example.com/show/hi/seg1.m4s");
//! assert_eq!(p.kind, PresentationKind::Vod);
//! # Ok::<(), dmoe_core::ManifestError>(())
//! ```
//!
//! ## Errors, warnings and strictness
//!
//! Bad input is an *error*, returned as a [`ManifestError`] with the line and the rule or
//! limit involved; the library never panics on input. Recoverable problems become
//! [`Warning`]s on the model. [`Strictness`] decides which: `Permissive` recovers from
//! everything it can, `Normal` fails on the specification's MUST rules, `Strict` on SHOULD
//! rules too. [`Limits`] bound the memory any manifest can make DMOE use.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod abr;
#[cfg(feature = "serde")]
pub mod agent;
pub mod cmaf;
#[cfg(feature = "dash")]
pub mod dash;
pub mod edge;
mod error;
#[cfg(fuzzing)]
pub mod fuzzing;
#[cfg(feature = "hls")]
pub mod hls;
mod model;
mod options;
#[cfg(feature = "hls")]
mod text;
mod units;
#[cfg(feature = "hls")]
mod uri;

pub use abr::{
    AbrContext, AbrController, Caps, Decision, InFlight, Ladder, LadderError, LiveContext,
    PathEstimate, PlaybackState, Reason, Rung, TransferSample,
};
pub use error::{Limit, ManifestError, Rule, ValueProblem, Warning};
pub use model::*;
pub use options::{Limits, ParseOptions, Strictness};
#[cfg(feature = "serde")]
pub use units::ms_to_micros;
pub use units::{Bitrate, ByteCount, ByteRange, Timestamp, WallClock};

/// Parse a manifest, detecting whether it is an HLS playlist or a DASH MPD.
///
/// HLS is recognised by `#EXTM3U` (or, when permissive, any `#EXT` tag); DASH by an `MPD`
/// root element. (Needs the `hls` feature, on by default.)
#[cfg(feature = "hls")]
pub fn parse(input: &[u8], opts: &ParseOptions) -> Result<Presentation, ManifestError> {
    hls::check_input(input, opts)?;
    match sniff(input) {
        #[cfg(feature = "dash")]
        Some(ManifestFormat::Dash) => dash::parse(input, opts),
        #[cfg(not(feature = "dash"))]
        Some(ManifestFormat::Dash) => Err(ManifestError::FormatNotBuilt { format: "DASH" }),
        Some(_) => hls::parse(input, opts),
        None if input.iter().all(u8::is_ascii_whitespace) => Err(ManifestError::Empty),
        None if opts.strictness == Strictness::Permissive => hls::parse(input, opts),
        None => Err(ManifestError::UnknownFormat),
    }
}

/// Guess the format from the first bytes: HLS (either kind) or DASH.
#[cfg(feature = "hls")]
fn sniff(input: &[u8]) -> Option<ManifestFormat> {
    let head = &input[..input.len().min(4096)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|c| !c.is_ascii_whitespace())?;
    let head = &head[start..];
    if head.starts_with(b"#EXTM3U") {
        return Some(ManifestFormat::HlsMedia);
    }
    if head.starts_with(b"<") {
        let s = String::from_utf8_lossy(head);
        if s.contains("<MPD") || s.contains(":MPD") {
            return Some(ManifestFormat::Dash);
        }
        return None;
    }
    if head.starts_with(b"#") {
        let s = String::from_utf8_lossy(head);
        if s.contains("#EXT") {
            return Some(ManifestFormat::HlsMedia);
        }
    }
    None
}

#[cfg(all(test, feature = "hls", not(feature = "dash")))]
mod without_dash {
    #[test]
    fn an_mpd_is_a_typed_error_when_dash_is_left_out() {
        let mpd =
            br#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"/>"#;
        assert_eq!(
            crate::parse(mpd, &crate::ParseOptions::new()),
            Err(crate::ManifestError::FormatNotBuilt { format: "DASH" })
        );
        let hls = b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n";
        assert!(crate::parse(hls, &crate::ParseOptions::new()).is_ok());
    }
}
