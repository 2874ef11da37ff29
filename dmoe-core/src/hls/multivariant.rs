//! HLS multivariant playlist tags: variants, renditions, session data and keys, steering.

use std::time::Duration;

use super::media::parse_key;
use super::{Parser, Variables, yes};
use crate::error::{Limit, ManifestError, Rule, ValueProblem};
use crate::model::{
    ContentSteering, Key, ManifestFormat, MediaType, OtherTag, Period, Presentation,
    PresentationKind, Rendition, RenditionId, Resolution, SessionData, StartPoint, Variant,
    VariantId, VideoRange,
};
use crate::options::Diagnostics;
use crate::text::{parse_f64, parse_resolution, parse_u64};
use crate::units::Bitrate;

/// The attributes of `EXT-X-STREAM-INF` / `EXT-X-I-FRAME-STREAM-INF`.
#[derive(Debug, Default)]
struct StreamInf {
    line: u32,
    bandwidth: Option<Bitrate>,
    average_bandwidth: Option<Bitrate>,
    codecs: Option<String>,
    resolution: Option<Resolution>,
    frame_rate: Option<f64>,
    video_range: Option<VideoRange>,
    hdcp_level: Option<String>,
    audio: Option<String>,
    video: Option<String>,
    subtitles: Option<String>,
    closed_captions: Option<String>,
    pathway: Option<String>,
    stable_id: Option<String>,
    score: Option<f64>,
    uri: Option<String>,
    i_frames_only: bool,
}

/// An `EXT-X-MEDIA` entry.
#[derive(Debug)]
struct MediaEntry {
    media_type: MediaType,
    uri: Option<String>,
    group_id: String,
    name: String,
    language: Option<String>,
    default: bool,
    autoselect: bool,
    forced: bool,
    channels: Option<String>,
    characteristics: Option<String>,
    instream_id: Option<String>,
    stable_id: Option<String>,
}

/// Collects a multivariant playlist.
#[derive(Debug, Default)]
pub(crate) struct MultivariantBuilder {
    pending: Option<StreamInf>,
    variants: Vec<StreamInf>,
    media: Vec<MediaEntry>,
    session_data: Vec<SessionData>,
    session_keys: Vec<Key>,
    steering: Option<ContentSteering>,
    pub(crate) version: Option<u32>,
    pub(crate) independent_segments: bool,
    pub(crate) start: Option<StartPoint>,
    pub(crate) other_tags: Vec<OtherTag>,
    pub(crate) vars: Variables,
}

impl MultivariantBuilder {
    pub(crate) fn has_content(&self) -> bool {
        !self.variants.is_empty()
            || !self.media.is_empty()
            || !self.session_data.is_empty()
            || !self.session_keys.is_empty()
            || self.steering.is_some()
    }

    pub(crate) fn expects_uri(&self) -> bool {
        self.pending.is_some()
    }

    /// Handle a multivariant tag; false when `name` is not one.
    pub(crate) fn tag(
        &mut self,
        p: &mut Parser<'_>,
        name: &str,
        value: Option<&str>,
    ) -> Result<bool, ManifestError> {
        match name {
            "-X-STREAM-INF" => {
                self.finish_pending(p)?;
                let inf = stream_inf(p, "EXT-X-STREAM-INF", value, false)?;
                self.pending = Some(inf);
            }
            "-X-I-FRAME-STREAM-INF" => {
                let inf = stream_inf(p, "EXT-X-I-FRAME-STREAM-INF", value, true)?;
                if inf.uri.is_none() {
                    p.violation(Rule::MissingAttribute {
                        tag: "EXT-X-I-FRAME-STREAM-INF",
                        attribute: "URI",
                    })?;
                } else {
                    self.push_variant(p, inf)?;
                }
            }
            "-X-MEDIA" => self.media(p, value)?,
            "-X-SESSION-DATA" => {
                let mut sd = SessionData {
                    data_id: String::new(),
                    value: None,
                    uri: None,
                    language: None,
                };
                for (n, a) in p.attributes("EXT-X-SESSION-DATA", value)? {
                    match n {
                        "DATA-ID" => sd.data_id = p.subst(a.raw)?.into_owned(),
                        "VALUE" => sd.value = Some(p.subst(a.raw)?.into_owned()),
                        "URI" => sd.uri = p.resolve(a.raw)?,
                        "LANGUAGE" => sd.language = Some(a.raw.to_owned()),
                        _ => {}
                    }
                }
                if sd.data_id.is_empty() {
                    p.violation(Rule::MissingAttribute {
                        tag: "EXT-X-SESSION-DATA",
                        attribute: "DATA-ID",
                    })?;
                }
                p.check_len(Limit::ListItems, self.session_data.len())?;
                self.session_data.push(sd);
            }
            "-X-SESSION-KEY" => {
                if let Some(k) = parse_key(p, "EXT-X-SESSION-KEY", value)? {
                    if k.method == crate::model::KeyMethod::None {
                        p.invalid(
                            "EXT-X-SESSION-KEY",
                            Some("METHOD"),
                            ValueProblem::NotAllowed,
                        )?;
                    } else {
                        p.check_len(Limit::ListItems, self.session_keys.len())?;
                        self.session_keys.push(k);
                    }
                }
            }
            "-X-CONTENT-STEERING" => {
                if self.steering.is_some() {
                    p.violation(Rule::DuplicateTag {
                        tag: "EXT-X-CONTENT-STEERING",
                    })?;
                }
                let mut server = None;
                let mut pathway = None;
                for (n, a) in p.attributes("EXT-X-CONTENT-STEERING", value)? {
                    match n {
                        "SERVER-URI" => {
                            let s = p.subst(a.raw)?;
                            match p.resolver.resolve_steering(&s) {
                                Ok(u) => server = Some(u),
                                Err(rule) => p.violation(rule)?,
                            }
                        }
                        "PATHWAY-ID" => pathway = Some(p.subst(a.raw)?.into_owned()),
                        _ => {}
                    }
                }
                match server {
                    Some(server_uri) => {
                        self.steering = Some(ContentSteering {
                            server_uri,
                            default_pathway: pathway,
                            query_before_start: false,
                            client_requirement: true,
                        })
                    }
                    None => p.violation(Rule::MissingAttribute {
                        tag: "EXT-X-CONTENT-STEERING",
                        attribute: "SERVER-URI",
                    })?,
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn push_variant(&mut self, p: &mut Parser<'_>, inf: StreamInf) -> Result<(), ManifestError> {
        p.check_len(Limit::Renditions, self.variants.len() + self.media.len())?;
        self.variants.push(inf);
        Ok(())
    }

    /// A URI line after `EXT-X-STREAM-INF`.
    pub(crate) fn uri_line(&mut self, p: &mut Parser<'_>, uri: &str) -> Result<(), ManifestError> {
        if let Some(mut inf) = self.pending.take() {
            inf.uri = p.resolve(uri)?;
            if inf.uri.is_some() {
                self.push_variant(p, inf)?;
            }
        }
        Ok(())
    }

    /// A `EXT-X-STREAM-INF` never followed by its URI.
    pub(crate) fn finish_pending(&mut self, p: &mut Parser<'_>) -> Result<(), ManifestError> {
        if let Some(inf) = self.pending.take() {
            let line = p.line;
            p.line = inf.line;
            p.violation(Rule::MissingUri {
                tag: "EXT-X-STREAM-INF",
            })?;
            p.line = line;
        }
        Ok(())
    }

    fn media(&mut self, p: &mut Parser<'_>, value: Option<&str>) -> Result<(), ManifestError> {
        const TAG: &str = "EXT-X-MEDIA";
        let mut media_type = None;
        let mut e = MediaEntry {
            media_type: MediaType::Unknown,
            uri: None,
            group_id: String::new(),
            name: String::new(),
            language: None,
            default: false,
            autoselect: false,
            forced: false,
            channels: None,
            characteristics: None,
            instream_id: None,
            stable_id: None,
        };
        for (n, a) in p.attributes(TAG, value)? {
            match n {
                "TYPE" => {
                    media_type = Some(match a.raw {
                        "AUDIO" => MediaType::Audio,
                        "VIDEO" => MediaType::Video,
                        "SUBTITLES" => MediaType::Subtitles,
                        "CLOSED-CAPTIONS" => MediaType::ClosedCaptions,
                        _ => {
                            p.invalid(TAG, Some("TYPE"), ValueProblem::NotAllowed)?;
                            MediaType::Unknown
                        }
                    })
                }
                "URI" => e.uri = p.resolve(a.raw)?,
                "GROUP-ID" => e.group_id = p.subst(a.raw)?.into_owned(),
                "NAME" => e.name = p.subst(a.raw)?.into_owned(),
                "LANGUAGE" => e.language = Some(p.subst(a.raw)?.into_owned()),
                "DEFAULT" => e.default = yes(a),
                "AUTOSELECT" => e.autoselect = yes(a),
                "FORCED" => e.forced = yes(a),
                "CHANNELS" => e.channels = Some(a.raw.to_owned()),
                "CHARACTERISTICS" => e.characteristics = Some(a.raw.to_owned()),
                "INSTREAM-ID" => e.instream_id = Some(a.raw.to_owned()),
                "STABLE-RENDITION-ID" => e.stable_id = Some(a.raw.to_owned()),
                _ => {}
            }
        }
        let Some(t) = media_type else {
            return p.violation(Rule::MissingAttribute {
                tag: TAG,
                attribute: "TYPE",
            });
        };
        e.media_type = t;
        if e.group_id.is_empty() {
            p.violation(Rule::MissingAttribute {
                tag: TAG,
                attribute: "GROUP-ID",
            })?;
        }
        if e.name.is_empty() {
            p.violation(Rule::MissingAttribute {
                tag: TAG,
                attribute: "NAME",
            })?;
        }
        if t == MediaType::ClosedCaptions && e.uri.is_some() {
            p.invalid(TAG, Some("URI"), ValueProblem::NotAllowed)?;
            e.uri = None;
        }
        p.check_len(Limit::Renditions, self.variants.len() + self.media.len())?;
        self.media.push(e);
        Ok(())
    }

    /// Assemble the presentation: renditions (deduplicated by URI) and variants.
    pub(crate) fn into_presentation(
        self,
        diag: &mut Diagnostics,
    ) -> Result<Presentation, ManifestError> {
        let _ = diag;
        let mut p = Presentation::empty(ManifestFormat::HlsMultivariant, PresentationKind::Vod);
        p.periods.push(Period {
            id: None,
            start: Duration::ZERO,
            duration: None,
        });
        p.version = self.version;
        p.independent_segments = self.independent_segments;
        p.start = self.start;
        p.other_tags = self.other_tags;
        p.session_data = self.session_data;
        p.session_keys = self.session_keys;
        p.steering = self.steering;
        p.variables = self.vars.vars;
        for m in self.media {
            let id = RenditionId(p.renditions.len() as u32);
            let key = match &m.uri {
                Some(u) => u.clone(),
                None => format!("{}/{}", m.group_id, m.name),
            };
            let mut r = Rendition::new(id, key, 0, m.media_type);
            r.uri = m.uri;
            r.group_id = Some(m.group_id);
            r.name = Some(m.name);
            r.language = m.language;
            r.default = m.default;
            r.autoselect = m.autoselect;
            r.forced = m.forced;
            r.channels = m.channels;
            r.characteristics = m.characteristics;
            r.instream_id = m.instream_id;
            r.stable_id = m.stable_id;
            p.renditions.push(r);
        }
        for v in self.variants {
            let uri = v.uri.unwrap_or_default();
            let existing = p
                .renditions
                .iter()
                .find(|r| r.uri.as_deref() == Some(uri.as_str()))
                .map(|r| r.id);
            let rid = match existing {
                Some(id) => id,
                None => {
                    let id = RenditionId(p.renditions.len() as u32);
                    let media_type =
                        MediaType::of_stream(v.codecs.as_deref(), v.resolution.is_some());
                    let mut r = Rendition::new(id, uri.clone(), 0, media_type);
                    r.uri = Some(uri);
                    r.bandwidth = v.bandwidth;
                    r.codecs = v.codecs.clone();
                    r.resolution = v.resolution;
                    r.frame_rate = v.frame_rate;
                    r.pathway = v.pathway.clone();
                    p.renditions.push(r);
                    id
                }
            };
            let id = VariantId(p.variants.len() as u32);
            p.variants.push(Variant {
                id,
                period: 0,
                rendition: rid,
                bandwidth: v.bandwidth.unwrap_or_default(),
                average_bandwidth: v.average_bandwidth,
                codecs: v.codecs,
                resolution: v.resolution,
                frame_rate: v.frame_rate,
                video_range: v.video_range,
                hdcp_level: v.hdcp_level,
                audio_group: v.audio,
                video_group: v.video,
                subtitle_group: v.subtitles,
                closed_captions: v.closed_captions,
                pathway: v.pathway,
                stable_id: v.stable_id,
                i_frames_only: v.i_frames_only,
                score: v.score,
            });
        }
        Ok(p)
    }
}

/// Guess the media type of a variant's own playlist from its codecs.
fn stream_inf(
    p: &mut Parser<'_>,
    tag: &'static str,
    value: Option<&str>,
    i_frames_only: bool,
) -> Result<StreamInf, ManifestError> {
    // Problems in I-frame variants are tolerated: players skip them rather than fail.
    let bad = |p: &mut Parser<'_>, attribute: &'static str, problem: ValueProblem| {
        let rule = Rule::InvalidValue {
            tag,
            attribute: Some(attribute),
            problem,
        };
        if i_frames_only {
            p.tolerated(rule)
        } else {
            p.violation(rule)
        }
    };
    let mut s = StreamInf {
        line: p.line,
        i_frames_only,
        ..StreamInf::default()
    };
    for (n, a) in p.attributes(tag, value)? {
        match n {
            "BANDWIDTH" => match parse_u64(a.raw) {
                Ok(b) => s.bandwidth = Some(Bitrate(b)),
                Err(e) => bad(p, "BANDWIDTH", e)?,
            },
            "AVERAGE-BANDWIDTH" => match parse_u64(a.raw) {
                Ok(b) => s.average_bandwidth = Some(Bitrate(b)),
                Err(e) => bad(p, "AVERAGE-BANDWIDTH", e)?,
            },
            "CODECS" => s.codecs = Some(p.subst(a.raw)?.into_owned()),
            "RESOLUTION" => match parse_resolution(a.raw) {
                Ok((width, height)) => s.resolution = Some(Resolution { width, height }),
                Err(e) => bad(p, "RESOLUTION", e)?,
            },
            "FRAME-RATE" => match parse_f64(a.raw, false) {
                Ok(f) => s.frame_rate = Some(f),
                Err(e) => bad(p, "FRAME-RATE", e)?,
            },
            "VIDEO-RANGE" => match a.raw {
                "SDR" => s.video_range = Some(VideoRange::Sdr),
                "HLG" => s.video_range = Some(VideoRange::Hlg),
                "PQ" => s.video_range = Some(VideoRange::Pq),
                _ => bad(p, "VIDEO-RANGE", ValueProblem::NotAllowed)?,
            },
            "HDCP-LEVEL" => s.hdcp_level = Some(a.raw.to_owned()),
            "AUDIO" => s.audio = Some(p.subst(a.raw)?.into_owned()),
            "VIDEO" => s.video = Some(p.subst(a.raw)?.into_owned()),
            "SUBTITLES" => s.subtitles = Some(p.subst(a.raw)?.into_owned()),
            "CLOSED-CAPTIONS" => s.closed_captions = Some(p.subst(a.raw)?.into_owned()),
            "PATHWAY-ID" => s.pathway = Some(p.subst(a.raw)?.into_owned()),
            "STABLE-VARIANT-ID" => s.stable_id = Some(a.raw.to_owned()),
            "SCORE" => match parse_f64(a.raw, false) {
                Ok(f) => s.score = Some(f),
                Err(e) => bad(p, "SCORE", e)?,
            },
            "URI" if i_frames_only => s.uri = p.resolve(a.raw)?,
            _ => {}
        }
    }
    if s.bandwidth.is_none() {
        let rule = Rule::MissingAttribute {
            tag,
            attribute: "BANDWIDTH",
        };
        if i_frames_only {
            p.tolerated(rule)?;
        } else {
            p.violation(rule)?;
        }
    }
    Ok(s)
}
