//! HLS playlists (RFC 8216 and rfc8216bis, including LL-HLS) into the presentation model.
//!
//! DMOE parses HLS with its own single-pass line parser; `m3u8-rs` is kept as a cross-check
//! in the tests and benches. The reason is measured, not assumed: on the shared corpus
//! `m3u8-rs` drops every tag after the last complete segment (26 of 275 `EXT-X-PART`, 25 of 29
//! `EXT-X-PRELOAD-HINT`, 6 of 8 `EXT-X-RENDITION-REPORT`), keeps one key per segment and
//! applies `EXT-X-KEY`/`EXT-X-MAP` only to the next segment, and turns attributes it cannot
//! parse into untyped tags without an error. Patching that after the fact would mean
//! re-scanning every playlist anyway, so the parser here is the single source of truth.
//!
//! ```
//! use dmoe_core::{hls, ParseOptions};
//! let text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg0.ts\n#EXT-X-ENDLIST\n";
//! let p = hls::parse(text.as_bytes(), &ParseOptions::new().base_url("https://cdn.example/v/index.m3u8"))?;
//! assert_eq!(p.renditions[0].segments.segments[0].url, "https://cdn.example/v/seg0.ts");
//! # Ok::<(), dmoe_core::ManifestError>(())
//! ```

mod attr;
mod media;
mod multivariant;

use crate::error::{Limit, ManifestError, Rule, ValueProblem};
use crate::model::{Presentation, SegmentIndex};
use crate::options::{Diagnostics, ParseOptions};
use crate::uri::Resolver;

pub(crate) use attr::Variables;
use attr::{AttrIter, AttrValue};
use media::MediaBuilder;
pub(crate) use media::apply_playlist_timing;
use multivariant::MultivariantBuilder;

/// Parse an HLS playlist (multivariant or media) into a [`Presentation`].
///
/// A media playlist gives a presentation with one rendition and no variants; a multivariant
/// playlist gives variants and renditions whose segment indexes are empty until
/// [`Presentation::apply_media_playlist`] fills them.
pub fn parse(input: &[u8], opts: &ParseOptions) -> Result<Presentation, ManifestError> {
    let text = check_input(input, opts)?;
    let mut diag = Diagnostics::new(opts);
    let resolver = Resolver::new(opts.base_url.as_deref())?;
    let parsed = Parser::run(text, &mut diag, resolver, opts, None)?;
    let mut p = match parsed {
        Parsed::Media(m) => m.into_presentation(opts.base_url.as_deref()),
        Parsed::Multivariant(mv) => mv.into_presentation(&mut diag)?,
    };
    p.warnings = diag.warnings;
    Ok(p)
}

/// Parse an HLS media playlist into a segment index, with the variables a multivariant
/// playlist defined (for `EXT-X-DEFINE:IMPORT`).
pub(crate) fn parse_media_index(
    input: &[u8],
    opts: &ParseOptions,
    imports: &Variables,
    diag: &mut Diagnostics,
) -> Result<SegmentIndex, ManifestError> {
    let text = check_input(input, opts)?;
    let resolver = Resolver::new(opts.base_url.as_deref())?;
    match Parser::run(text, diag, resolver, opts, Some(imports))? {
        Parsed::Media(m) => Ok(m.index),
        Parsed::Multivariant(_) => Err(ManifestError::UpdateMismatch {
            reason: "a multivariant playlist was given where a media playlist was expected",
        }),
    }
}

/// Size and encoding checks shared by every entry point.
pub(crate) fn check_input<'a>(
    input: &'a [u8],
    opts: &ParseOptions,
) -> Result<&'a str, ManifestError> {
    if input.len() > opts.limits.max_manifest_bytes {
        return Err(ManifestError::TooLarge {
            size: input.len(),
            limit: opts.limits.max_manifest_bytes,
        });
    }
    let text = std::str::from_utf8(input).map_err(|e| ManifestError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ManifestError::Empty);
    }
    Ok(text)
}

pub(crate) enum Parsed {
    Media(MediaBuilder),
    Multivariant(MultivariantBuilder),
}

/// State shared by both playlist kinds while scanning lines.
pub(crate) struct Parser<'o> {
    pub(crate) diag: &'o mut Diagnostics,
    pub(crate) vars: Variables,
    pub(crate) imports: Option<&'o Variables>,
    pub(crate) resolver: Resolver,
    pub(crate) base_url: Option<&'o str>,
    pub(crate) has_defines: bool,
    pub(crate) line: u32,
    pub(crate) version: Option<u32>,
    pub(crate) independent_segments: bool,
    pub(crate) start: Option<crate::model::StartPoint>,
    pub(crate) other_tags: Vec<crate::model::OtherTag>,
}

impl<'o> Parser<'o> {
    fn run(
        text: &str,
        diag: &'o mut Diagnostics,
        resolver: Resolver,
        opts: &'o ParseOptions,
        imports: Option<&'o Variables>,
    ) -> Result<Parsed, ManifestError> {
        let mut p = Parser {
            diag,
            vars: Variables::default(),
            imports,
            resolver,
            base_url: opts.base_url.as_deref(),
            has_defines: text.contains("#EXT-X-DEFINE"),
            line: 0,
            version: None,
            independent_segments: false,
            start: None,
            other_tags: Vec::new(),
        };
        let mut media = MediaBuilder::default();
        let mut mv = MultivariantBuilder::default();
        let max_line = opts.limits.max_line_bytes;
        let mut header_seen = false;
        for raw in text.split('\n') {
            p.line = p.line.saturating_add(1);
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.len() > max_line {
                return Err(ManifestError::LimitExceeded {
                    limit: Limit::LineLength,
                    max: max_line as u64,
                    line: p.line,
                });
            }
            if !header_seen {
                if line.trim_end() == "#EXTM3U" {
                    header_seen = true;
                    if p.line != 1 {
                        p.tolerated(Rule::MissingHeader)?;
                    }
                    continue;
                }
                if line.trim().is_empty() || (line.starts_with('#') && !line.starts_with("#EXT")) {
                    continue;
                }
                // Content before any #EXTM3U: not an HLS playlist unless we are permissive.
                p.violation(Rule::MissingHeader)?;
                header_seen = true;
            }
            if line.is_empty() {
                continue;
            }
            if let Some(tag) = line.strip_prefix("#EXT") {
                let (name, value) = match tag.find(':') {
                    Some(i) => (&tag[..i], Some(&tag[i + 1..])),
                    None => (tag.trim_end(), None),
                };
                if media.tag(&mut p, name, value)? || mv.tag(&mut p, name, value)? {
                    continue;
                }
                p.common_tag(name, value)?;
            } else if line.starts_with('#') {
                // A comment.
            } else if line.trim().is_empty() {
                // A line of white space only: treated as blank.
            } else {
                let trimmed = line.trim();
                if trimmed.len() != line.len() {
                    p.tolerated(Rule::WhitespaceAroundUri)?;
                }
                if mv.expects_uri() {
                    mv.uri_line(&mut p, trimmed)?;
                } else if mv.has_content() && !media.has_content() {
                    p.tolerated(Rule::StrayUri)?;
                } else {
                    media.uri_line(&mut p, trimmed)?;
                }
            }
        }
        if !header_seen {
            p.violation(Rule::MissingHeader)?;
        }
        mv.finish_pending(&mut p)?;
        if mv.has_content() {
            if media.has_content() {
                p.line = 0;
                p.violation(Rule::MixedPlaylist)?;
            }
            mv.version = p.version;
            mv.independent_segments = p.independent_segments;
            mv.start = p.start;
            mv.other_tags = std::mem::take(&mut p.other_tags);
            mv.vars = std::mem::take(&mut p.vars);
            Ok(Parsed::Multivariant(mv))
        } else {
            media.finish(&mut p)?;
            Ok(Parsed::Media(media))
        }
    }

    /// Record a violation that players reject, at the current line.
    pub(crate) fn violation(&mut self, rule: Rule) -> Result<(), ManifestError> {
        self.diag.violation(self.line, rule)
    }

    /// Record a violation that players tolerate, at the current line.
    pub(crate) fn tolerated(&mut self, rule: Rule) -> Result<(), ManifestError> {
        self.diag.tolerated(self.line, rule)
    }

    /// An invalid value: a violation of a MUST rule.
    pub(crate) fn invalid(
        &mut self,
        tag: &'static str,
        attribute: Option<&'static str>,
        problem: ValueProblem,
    ) -> Result<(), ManifestError> {
        self.violation(Rule::InvalidValue {
            tag,
            attribute,
            problem,
        })
    }

    /// An invalid value that players ignore rather than fail on.
    pub(crate) fn invalid_tolerated(
        &mut self,
        tag: &'static str,
        attribute: Option<&'static str>,
        problem: ValueProblem,
    ) -> Result<(), ManifestError> {
        self.tolerated(Rule::InvalidValue {
            tag,
            attribute,
            problem,
        })
    }

    /// Check a list may grow by one.
    pub(crate) fn check_len(&self, limit: Limit, len: usize) -> Result<(), ManifestError> {
        self.diag.check_len(limit, len, self.line)
    }

    /// Iterate the attributes of `value`, reporting a malformed list once.
    pub(crate) fn attributes<'v>(
        &mut self,
        tag: &'static str,
        value: Option<&'v str>,
    ) -> Result<Vec<(&'v str, AttrValue<'v>)>, ManifestError> {
        let mut out = Vec::new();
        let mut it = AttrIter::new(value.unwrap_or(""));
        for a in it.by_ref() {
            match a {
                Ok(kv) => out.push(kv),
                Err(problem) => {
                    self.invalid(tag, None, problem)?;
                    break;
                }
            }
        }
        if it.unterminated {
            self.tolerated(Rule::UnterminatedQuote { tag })?;
        }
        Ok(out)
    }

    /// Substitute variables in a quoted string or URI.
    pub(crate) fn subst<'v>(
        &mut self,
        s: &'v str,
    ) -> Result<std::borrow::Cow<'v, str>, ManifestError> {
        match self.vars.substitute(s) {
            Ok(v) => Ok(v),
            Err(rule) => {
                // A reference in a playlist that defines variables must resolve; one in a
                // playlist that defines none is kept as written (players do the same).
                if self.has_defines {
                    self.violation(rule)?;
                } else {
                    self.tolerated(rule)?;
                }
                Ok(std::borrow::Cow::Borrowed(s))
            }
        }
    }

    /// Resolve a media URI (after substitution); a refused URI is a violation.
    pub(crate) fn resolve(&mut self, reference: &str) -> Result<Option<String>, ManifestError> {
        let r = self.subst(reference)?;
        match self.resolver.resolve(&r) {
            Ok(u) => Ok(Some(u)),
            Err(rule) => {
                self.violation(rule)?;
                Ok(None)
            }
        }
    }

    /// Tags valid in both playlist kinds.
    fn common_tag(&mut self, name: &str, value: Option<&str>) -> Result<(), ManifestError> {
        match name {
            "-X-VERSION" => {
                if self.version.is_some() {
                    self.violation(Rule::DuplicateTag {
                        tag: "EXT-X-VERSION",
                    })?;
                }
                match crate::text::parse_u64(value.unwrap_or("").trim()) {
                    Ok(v) => self.version = Some(u32::try_from(v).unwrap_or(u32::MAX)),
                    Err(p) => self.invalid("EXT-X-VERSION", None, p)?,
                }
            }
            "-X-INDEPENDENT-SEGMENTS" => self.independent_segments = true,
            "-X-START" => {
                let mut offset = None;
                let mut precise = false;
                for (n, v) in self.attributes("EXT-X-START", value)? {
                    match n {
                        "TIME-OFFSET" => match crate::text::parse_f64(v.raw, true) {
                            Ok(x) => offset = Some(x),
                            Err(p) => self.invalid("EXT-X-START", Some("TIME-OFFSET"), p)?,
                        },
                        "PRECISE" => precise = v.raw == "YES",
                        _ => {}
                    }
                }
                match offset {
                    Some(time_offset) => {
                        self.start = Some(crate::model::StartPoint {
                            time_offset,
                            precise,
                        })
                    }
                    None => self.violation(Rule::MissingAttribute {
                        tag: "EXT-X-START",
                        attribute: "TIME-OFFSET",
                    })?,
                }
            }
            "-X-DEFINE" => self.define(value)?,
            "-X-ALLOW-CACHE" => {
                self.tolerated(Rule::DeprecatedTag {
                    tag: "EXT-X-ALLOW-CACHE",
                })?;
                let v = value.unwrap_or("").trim();
                if v != "YES" && v != "NO" {
                    self.tolerated(Rule::InvalidValue {
                        tag: "EXT-X-ALLOW-CACHE",
                        attribute: None,
                        problem: ValueProblem::NotAllowed,
                    })?;
                }
            }
            "M3U" => self.tolerated(Rule::DuplicateTag { tag: "EXTM3U" })?,
            _ => {
                self.check_len(Limit::ListItems, self.other_tags.len())?;
                self.other_tags.push(crate::model::OtherTag {
                    line: self.line,
                    name: format!("#EXT{name}"),
                    value: value.map(str::to_owned),
                });
            }
        }
        Ok(())
    }

    fn define(&mut self, value: Option<&str>) -> Result<(), ManifestError> {
        let attrs = self.attributes("EXT-X-DEFINE", value)?;
        let mut name = None;
        let mut val = None;
        let mut import = None;
        let mut query = None;
        for (n, v) in attrs {
            match n {
                "NAME" => name = Some(v.raw),
                "VALUE" => val = Some(v.raw),
                "IMPORT" => import = Some(v.raw),
                "QUERYPARAM" => query = Some(v.raw),
                _ => {}
            }
        }
        let (var, value) = match (name, val, import, query) {
            (Some(n), Some(v), None, None) => (n, Some(v.to_owned())),
            (None, None, Some(i), None) => match self.imports {
                Some(vars) => {
                    let v = vars.get(i).map(str::to_owned);
                    if v.is_none() {
                        self.violation(Rule::UndefinedVariable { name: i.to_owned() })?;
                    }
                    (i, v)
                }
                None => {
                    self.tolerated(Rule::UnresolvedVariable { name: i.to_owned() })?;
                    self.vars.unresolved.push(i.to_owned());
                    (i, None)
                }
            },
            (None, None, None, Some(q)) => match self.base_url {
                Some(b) => {
                    let v = crate::uri::parse(b).and_then(|u| {
                        u.query_pairs()
                            .find(|(k, _)| k == q)
                            .map(|(_, v)| v.into_owned())
                    });
                    if v.is_none() {
                        self.violation(Rule::UndefinedVariable { name: q.to_owned() })?;
                    }
                    (q, v)
                }
                None => {
                    self.tolerated(Rule::UnresolvedVariable { name: q.to_owned() })?;
                    self.vars.unresolved.push(q.to_owned());
                    (q, None)
                }
            },
            _ => {
                self.violation(Rule::MissingAttribute {
                    tag: "EXT-X-DEFINE",
                    attribute: "NAME",
                })?;
                return Ok(());
            }
        };
        if let Some(value) = value {
            self.check_len(Limit::ListItems, self.vars.vars.len())?;
            if let Err(rule) = self.vars.define(var, value) {
                self.violation(rule)?;
            }
        }
        Ok(())
    }
}

/// Parse a `YES`/`NO` enumerated value.
pub(crate) fn yes(v: AttrValue<'_>) -> bool {
    v.raw == "YES"
}
