//! Errors and warnings of the manifest parsers.
//!
//! A parse either succeeds (possibly with [`Warning`]s) or fails with one [`ManifestError`].
//! Which violations fail is decided by [`Strictness`](crate::Strictness): a violation of a
//! rule that deployed players enforce fails in `Normal` and `Strict` (a warning in
//! `Permissive`); one that they tolerate fails only in `Strict`.

use std::fmt;

/// Why a value could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ValueProblem {
    /// The value is empty.
    Empty,
    /// Not a decimal integer.
    NotAnInteger,
    /// Not a decimal floating-point number.
    NotANumber,
    /// A negative number where only non-negative ones are allowed.
    Negative,
    /// The number is too large to represent.
    OutOfRange,
    /// Not one of the enumerated values the spec allows.
    NotAllowed,
    /// Not a `WIDTHxHEIGHT` resolution.
    NotAResolution,
    /// Not an ISO 8601 date-time.
    NotADate,
    /// Not an ISO 8601 / `xs:duration` duration.
    NotADuration,
    /// Not a hexadecimal sequence of the right length.
    NotHex,
    /// Not a `length[@offset]` or `start-end` byte range.
    NotAByteRange,
    /// A quoted string that is not closed, or an attribute list that is not `NAME=value,...`.
    Malformed,
    /// A URI that is not allowed or cannot be resolved.
    BadUri,
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty value",
            Self::NotAnInteger => "not a decimal integer",
            Self::NotANumber => "not a decimal number",
            Self::Negative => "negative value",
            Self::OutOfRange => "value out of range",
            Self::NotAllowed => "value not allowed here",
            Self::NotAResolution => "not a WIDTHxHEIGHT resolution",
            Self::NotADate => "not an ISO 8601 date-time",
            Self::NotADuration => "not an ISO 8601 duration",
            Self::NotHex => "not a hexadecimal value",
            Self::NotAByteRange => "not a byte range",
            Self::Malformed => "malformed syntax",
            Self::BadUri => "URI not allowed or not resolvable",
        })
    }
}

/// A rule of the HLS (RFC 8216 / rfc8216bis) or DASH (ISO/IEC 23009-1) specifications.
///
/// Where a rule is checked decides its weight: violations that deployed players reject fail a
/// `Normal` parse; violations that deployed players tolerate (for example `#EXTINF:4` without
/// its comma, which hls.js, Shaka and ExoPlayer all play) are warnings unless `Strict`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Rule {
    /// An HLS playlist must start with `#EXTM3U`.
    MissingHeader,
    /// A tag's value (or one of its attributes) is invalid.
    InvalidValue {
        /// The tag or element.
        tag: &'static str,
        /// The attribute, when the problem is in one.
        attribute: Option<&'static str>,
        /// What is wrong.
        problem: ValueProblem,
    },
    /// A required attribute is absent.
    MissingAttribute {
        /// The tag or element.
        tag: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// A tag that may appear once appears again.
    DuplicateTag {
        /// The tag.
        tag: &'static str,
    },
    /// A playlist tag appears after the first media segment.
    TagAfterFirstSegment {
        /// The tag.
        tag: &'static str,
    },
    /// A playlist mixes media-playlist and multivariant-playlist tags.
    MixedPlaylist,
    /// A media playlist has no `EXT-X-TARGETDURATION`.
    MissingTargetDuration,
    /// A segment URI line is not preceded by `#EXTINF`.
    SegmentWithoutDuration,
    /// `#EXTINF` lacks the comma that ends its duration.
    ExtinfWithoutComma,
    /// A tag that must be followed by a URI line is not.
    MissingUri {
        /// The tag.
        tag: &'static str,
    },
    /// A `{$name}` reference to a variable no `EXT-X-DEFINE` defines.
    UndefinedVariable {
        /// The variable name.
        name: String,
    },
    /// A variable defined twice.
    DuplicateVariable {
        /// The variable name.
        name: String,
    },
    /// A segment is longer than the target duration (rounded).
    SegmentOverTargetDuration {
        /// The segment's media sequence number.
        number: u64,
    },
    /// A live playlist shorter than three target durations.
    ShortLivePlaylist,
    /// A segment after `#EXT-X-ENDLIST`.
    SegmentAfterEndlist,
    /// A segment with zero duration.
    ZeroDuration,
    /// White space around a URI line.
    WhitespaceAroundUri,
    /// A tag removed from the current protocol version.
    DeprecatedTag {
        /// The tag.
        tag: &'static str,
    },
    /// `EXT-X-SKIP` appears after a segment, or without a server that allows skipping.
    MisplacedSkip,
    /// A delta update skips segments the client does not have.
    SkipWithoutHistory,
    /// An `EXT-X-PART` that belongs to no segment position (bad order or duration).
    InvalidPart,
    /// A required DASH element is missing.
    MissingElement {
        /// The element name.
        element: &'static str,
    },
    /// A DASH segment template identifier that is not known or badly formatted.
    InvalidTemplate,
    /// A DASH MPD whose `@type` is dynamic lacks `availabilityStartTime`.
    MissingAvailabilityStart,
    /// A URI with a scheme that DMOE does not fetch (only `http`, `https` and relative references).
    DisallowedUri {
        /// The scheme.
        scheme: String,
    },
    /// A representation with no way to address its segments.
    NoSegmentAddressing,
    /// A quoted attribute value that is never closed (the rest of the line is taken).
    UnterminatedQuote {
        /// The tag.
        tag: &'static str,
    },
    /// A URI line in a multivariant playlist that no `EXT-X-STREAM-INF` announced.
    StrayUri,
    /// A variable whose value comes from context this parse does not have (`IMPORT` without a
    /// multivariant playlist, `QUERYPARAM` without a base URL); references stay as written.
    UnresolvedVariable {
        /// The variable name.
        name: String,
    },
    /// A target duration written as a decimal instead of an integer.
    DecimalTargetDuration,
    /// A live MPD whose segments depend on the wall clock, parsed without one
    /// ([`ParseOptions::now`](crate::ParseOptions::now)) nor a `publishTime`.
    NeedsClock,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader => f.write_str("playlist does not start with #EXTM3U"),
            Self::InvalidValue {
                tag,
                attribute: Some(a),
                problem,
            } => write!(f, "{tag} attribute {a}: {problem}"),
            Self::InvalidValue {
                tag,
                attribute: None,
                problem,
            } => write!(f, "{tag}: {problem}"),
            Self::MissingAttribute { tag, attribute } => {
                write!(f, "{tag} lacks required attribute {attribute}")
            }
            Self::DuplicateTag { tag } => write!(f, "{tag} must not appear more than once"),
            Self::TagAfterFirstSegment { tag } => {
                write!(f, "{tag} must appear before the first media segment")
            }
            Self::MixedPlaylist => f.write_str("playlist mixes media and multivariant tags"),
            Self::MissingTargetDuration => {
                f.write_str("media playlist lacks #EXT-X-TARGETDURATION")
            }
            Self::SegmentWithoutDuration => f.write_str("segment URI without #EXTINF"),
            Self::ExtinfWithoutComma => f.write_str("#EXTINF duration is not followed by a comma"),
            Self::MissingUri { tag } => write!(f, "{tag} is not followed by a URI line"),
            Self::UndefinedVariable { name } => write!(f, "undefined variable {{${name}}}"),
            Self::DuplicateVariable { name } => write!(f, "variable {name} defined twice"),
            Self::SegmentOverTargetDuration { number } => {
                write!(f, "segment {number} is longer than the target duration")
            }
            Self::ShortLivePlaylist => {
                f.write_str("live playlist is shorter than three target durations")
            }
            Self::SegmentAfterEndlist => f.write_str("segment after #EXT-X-ENDLIST"),
            Self::ZeroDuration => f.write_str("segment with zero duration"),
            Self::WhitespaceAroundUri => f.write_str("white space around a URI line"),
            Self::DeprecatedTag { tag } => write!(f, "{tag} is deprecated"),
            Self::MisplacedSkip => f.write_str("#EXT-X-SKIP is misplaced"),
            Self::SkipWithoutHistory => {
                f.write_str("delta update skips segments that were never loaded")
            }
            Self::InvalidPart => f.write_str("#EXT-X-PART does not fit the segment sequence"),
            Self::MissingElement { element } => write!(f, "missing required element {element}"),
            Self::InvalidTemplate => f.write_str("invalid segment template identifier"),
            Self::MissingAvailabilityStart => {
                f.write_str("dynamic MPD lacks availabilityStartTime")
            }
            Self::DisallowedUri { scheme } => write!(f, "URI scheme {scheme}: is not allowed"),
            Self::NoSegmentAddressing => f.write_str("representation has no segment addressing"),
            Self::UnterminatedQuote { tag } => write!(f, "{tag}: unterminated quoted string"),
            Self::StrayUri => f.write_str("URI line without #EXT-X-STREAM-INF"),
            Self::UnresolvedVariable { name } => {
                write!(f, "variable {name} has no value in this context")
            }
            Self::NeedsClock => {
                f.write_str("live segments depend on the wall clock and none was given")
            }
            Self::DecimalTargetDuration => {
                f.write_str("#EXT-X-TARGETDURATION is not a decimal integer")
            }
        }
    }
}

/// A recoverable problem met while parsing; the model was still built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Warning {
    /// 1-based line of the manifest (0 when not tied to a line).
    pub line: u32,
    /// The rule that was broken.
    pub rule: Rule,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.rule)
        } else {
            write!(f, "{}", self.rule)
        }
    }
}

/// The configurable limits that keep hostile manifests in bounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum Limit {
    /// Bytes of one manifest.
    ManifestBytes,
    /// Bytes of one line (HLS) or one attribute value (DASH).
    LineLength,
    /// Segments of one rendition (after template expansion).
    SegmentsPerRendition,
    /// Segments of the whole presentation.
    TotalSegments,
    /// Periods of one MPD.
    Periods,
    /// Nesting depth of XML elements.
    XmlDepth,
    /// XML elements in one document.
    XmlElements,
    /// Variants and renditions.
    Renditions,
    /// Parts, preload hints, rendition reports, keys, date ranges and other per-playlist lists.
    ListItems,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ManifestBytes => "manifest bytes",
            Self::LineLength => "line or attribute length",
            Self::SegmentsPerRendition => "segments per rendition",
            Self::TotalSegments => "segments in the presentation",
            Self::Periods => "periods",
            Self::XmlDepth => "XML depth",
            Self::XmlElements => "XML elements",
            Self::Renditions => "variants and renditions",
            Self::ListItems => "list items",
        })
    }
}

/// Why a manifest could not be turned into a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The input is larger than [`Limits::max_manifest_bytes`](crate::Limits).
    #[error("manifest is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The input is not UTF-8.
    #[error("manifest is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The input is empty or holds only white space.
    #[error("manifest is empty")]
    Empty,
    /// The input is not an HLS playlist nor a DASH MPD.
    #[error("input is neither an HLS playlist nor a DASH MPD")]
    UnknownFormat,
    /// The input is in a format this build leaves out (dmoe-core without its `dash`
    /// feature, as the size-tuned WebAssembly package is).
    #[error("{format} support is not compiled into this build")]
    FormatNotBuilt {
        /// The format ("DASH").
        format: &'static str,
    },
    /// A configured limit was exceeded.
    #[error("line {line}: limit on {limit} ({max}) exceeded")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The configured maximum.
        max: u64,
        /// 1-based line where it was exceeded (0 when not tied to a line).
        line: u32,
    },
    /// A rule of the specification was broken at a strictness where that is fatal.
    #[error("line {line}: {rule}")]
    Violation {
        /// 1-based line (0 when not tied to a line).
        line: u32,
        /// The rule.
        rule: Rule,
    },
    /// The MPD is not well-formed XML.
    #[error("line {line}: XML is not well-formed: {detail}")]
    Xml {
        /// 1-based line of the error.
        line: u32,
        /// What the XML reader reported.
        detail: String,
    },
    /// The XML uses a document type declaration (entity definitions are refused).
    #[error("line {line}: DOCTYPE declarations are not accepted")]
    Doctype {
        /// 1-based line.
        line: u32,
    },
    /// The base URL given by the host cannot be parsed or has a disallowed scheme.
    #[error("invalid base URL")]
    InvalidBaseUrl,
    /// A live update does not belong to the rendition it is applied to.
    #[error("update does not match the rendition: {reason}")]
    UpdateMismatch {
        /// What does not match.
        reason: &'static str,
    },
}

impl ManifestError {
    /// The 1-based line the error refers to, when it has one.
    pub fn line(&self) -> Option<u32> {
        match self {
            Self::LimitExceeded { line, .. }
            | Self::Violation { line, .. }
            | Self::Xml { line, .. }
            | Self::Doctype { line } => Some(*line).filter(|l| *l > 0),
            _ => None,
        }
    }
}
