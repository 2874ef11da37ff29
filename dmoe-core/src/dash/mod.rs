//! DASH MPDs (ISO/IEC 23009-1) into the presentation model.
//!
//! The MPD is read into a small bounded tree with `quick-xml` (DTDs refused, depth, element
//! count and value length capped), then walked once: BaseURL chains resolve by RFC 3986,
//! segment addressing inherits from Period to AdaptationSet to Representation and expands
//! fully (SegmentTemplate with `$Number$`/`$Time$`, SegmentTimeline with `r=-1`,
//! SegmentList; SegmentBase keeps its `indexRange` for [`crate::cmaf::segments_from_sidx`]).
//! For a dynamic MPD, [`ParseOptions::now`] (or, failing that, `publishTime`) decides which
//! segments exist.
//!
//! ```
//! use dmoe_core::{dash, ParseOptions};
//! let mpd = r#"<MPD type="static" mediaPresentationDuration="PT8S">
//!   <Period><AdaptationSet mimeType="video/mp4">
//!     <SegmentTemplate media="$RepresentationID$/$Number%03d$.m4s" initialization="$RepresentationID$/init.mp4" duration="2" startNumber="1"/>
//!     <Representation id="v1" bandwidth="800000" width="640" height="360"/>
//!   </AdaptationSet></Period></MPD>"#;
//! let p = dash::parse(mpd.as_bytes(), &ParseOptions::new().base_url("https://cdn.example/a/manifest.mpd"))?;
//! let segs = &p.renditions[0].segments.segments;
//! assert_eq!(segs.len(), 4);
//! assert_eq!(segs[3].url, "https://cdn.example/a/v1/004.m4s");
//! # Ok::<(), dmoe_core::ManifestError>(())
//! ```

mod addressing;
mod xml;

use std::time::Duration;

use addressing::{Expand, Report, SegInfo};
use xml::{Doc, El};

use crate::error::{Limit, ManifestError, Rule, ValueProblem};
use crate::model::{
    BaseUrl, ContentProtection, ContentSteering, LiveTiming, LowLatency, ManifestFormat, MediaType,
    Period, Presentation, PresentationKind, Rendition, RenditionId, Resolution, UtcTiming, Variant,
    VariantId, VideoRange,
};
use crate::options::{Diagnostics, ParseOptions};
use crate::text::{parse_datetime, parse_u64, parse_xs_double, parse_xs_duration};
use crate::units::{Bitrate, WallClock};
use crate::uri::Resolver;

/// Alternatives of a BaseURL chain (one per CDN), at most this many per representation.
const MAX_BASES: usize = 16;

/// Parse a DASH MPD into a [`Presentation`].
pub fn parse(input: &[u8], opts: &ParseOptions) -> Result<Presentation, ManifestError> {
    let text = crate::hls::check_input(input, opts)?;
    let doc = Doc::parse(text, &opts.limits)?;
    let mut diag = Diagnostics::new(opts);
    let resolver = Resolver::new(opts.base_url.as_deref())?;
    let mut rep = Report {
        diag: &mut diag,
        input: text,
    };
    let mut p = walk(doc.root(), opts, resolver, &mut rep)?;
    p.warnings = diag.warnings;
    Ok(p)
}

/// A chain of base URLs: the alternatives at this level.
#[derive(Debug, Clone)]
struct Bases {
    alts: Vec<(Resolver, Option<String>)>,
}

impl Bases {
    /// Descend into `el`'s BaseURL children; None when it has none (the chain is unchanged).
    fn descend(&self, el: El<'_>, rep: &mut Report<'_>) -> Result<Option<Self>, ManifestError> {
        if el.child("BaseURL").is_none() {
            return Ok(None);
        }
        let children: Vec<El<'_>> = el.children_named("BaseURL").collect();
        let mut alts = Vec::new();
        for (parent, parent_loc) in &self.alts {
            for c in &children {
                if alts.len() >= MAX_BASES {
                    break;
                }
                match parent.nested(c.text()) {
                    Ok(r) => {
                        let loc = c
                            .attr("serviceLocation")
                            .map(str::to_owned)
                            .or_else(|| parent_loc.clone());
                        alts.push((r, loc));
                    }
                    Err(rule) => rep.violation(*c, rule)?,
                }
            }
        }
        if alts.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self { alts }))
    }

    fn first(&self) -> &Resolver {
        &self.alts[0].0
    }
}

/// An attribute parsed by `parse`; an invalid value is a violation naming the element.
fn typed_attr<T>(
    el: El<'_>,
    name: &'static str,
    parse: fn(&str) -> Result<T, ValueProblem>,
    rep: &mut Report<'_>,
) -> Result<Option<T>, ManifestError> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    match parse(v) {
        Ok(x) => Ok(Some(x)),
        Err(problem) => {
            let tag = if el.name() == "Period" {
                "Period"
            } else {
                "MPD"
            };
            rep.violation(
                el,
                Rule::InvalidValue {
                    tag,
                    attribute: Some(name),
                    problem,
                },
            )?;
            Ok(None)
        }
    }
}

fn dur_attr(
    el: El<'_>,
    name: &'static str,
    rep: &mut Report<'_>,
) -> Result<Option<Duration>, ManifestError> {
    typed_attr(el, name, parse_xs_duration, rep)
}

fn date_attr(
    el: El<'_>,
    name: &'static str,
    rep: &mut Report<'_>,
) -> Result<Option<WallClock>, ManifestError> {
    typed_attr(el, name, parse_datetime, rep)
}

fn walk(
    mpd: El<'_>,
    opts: &ParseOptions,
    resolver: Resolver,
    rep: &mut Report<'_>,
) -> Result<Presentation, ManifestError> {
    if mpd.name() != "MPD" {
        return Err(ManifestError::UnknownFormat);
    }
    let dynamic = match mpd.attr("type").map(str::trim) {
        None | Some("static") => false,
        Some("dynamic") => true,
        Some(_) => {
            rep.violation(
                mpd,
                Rule::InvalidValue {
                    tag: "MPD",
                    attribute: Some("type"),
                    problem: ValueProblem::NotAllowed,
                },
            )?;
            false
        }
    };
    let mut p = Presentation::empty(
        ManifestFormat::Dash,
        if dynamic {
            PresentationKind::Live
        } else {
            PresentationKind::Vod
        },
    );
    p.duration = dur_attr(mpd, "mediaPresentationDuration", rep)?;
    let ast = date_attr(mpd, "availabilityStartTime", rep)?;
    let publish = date_attr(mpd, "publishTime", rep)?;
    let live = LiveTiming {
        availability_start: ast,
        publish_time: publish,
        time_shift_depth: dur_attr(mpd, "timeShiftBufferDepth", rep)?,
        minimum_update_period: dur_attr(mpd, "minimumUpdatePeriod", rep)?,
        suggested_delay: dur_attr(mpd, "suggestedPresentationDelay", rep)?,
        target_duration: dur_attr(mpd, "maxSegmentDuration", rep)?,
        hold_back: None,
        min_buffer_time: dur_attr(mpd, "minBufferTime", rep)?,
    };
    if dynamic {
        if ast.is_none() {
            rep.tolerated(mpd, Rule::MissingAvailabilityStart)?;
        }
        p.live = Some(live);
    }
    let now = opts.now.or(publish);
    let root = Bases {
        alts: vec![(resolver, None)],
    };
    let bases = match root.descend(mpd, rep)? {
        Some(b) => b,
        None => root,
    };
    for loc in mpd.children_named("Location") {
        if let Ok(u) = bases.first().resolve(loc.text()) {
            p.locations.push(u);
        }
    }
    for u in mpd.children_named("UTCTiming") {
        p.utc_timing.push(UtcTiming {
            scheme_id_uri: u.attr("schemeIdUri").unwrap_or_default().to_owned(),
            value: u.attr("value").map(str::to_owned),
        });
    }
    let mut ll = LowLatency::default();
    let mut has_ll = false;
    // ServiceDescription and ContentSteering may sit on MPD or Period (and dash.js nests
    // ContentSteering inside ServiceDescription).
    let mut scopes = vec![mpd];
    scopes.extend(mpd.children_named("Period"));
    for scope in &scopes {
        for sd in scope.children_named("ServiceDescription") {
            has_ll |= service_description(sd, &mut ll);
            if let Some(cs) = sd.child("ContentSteering") {
                steering(cs, &bases, &mut p, rep)?;
            }
        }
        if let Some(cs) = scope.child("ContentSteering") {
            steering(cs, &bases, &mut p, rep)?;
        }
    }
    let periods: Vec<El<'_>> = mpd.children_named("Period").collect();
    if periods.is_empty() {
        rep.violation(mpd, Rule::MissingElement { element: "Period" })?;
    }
    if periods.len() > opts.limits.max_periods {
        return Err(ManifestError::LimitExceeded {
            limit: Limit::Periods,
            max: opts.limits.max_periods as u64,
            line: rep.line(periods[opts.limits.max_periods]),
        });
    }
    // Period starts: explicit @start, else the previous start plus its duration.
    let mut starts = Vec::with_capacity(periods.len());
    let mut next_start = Duration::ZERO;
    for el in &periods {
        let start = match el.attr("start") {
            Some(_) => dur_attr(*el, "start", rep)?.unwrap_or(next_start),
            None => next_start,
        };
        let dur = dur_attr(*el, "duration", rep)?;
        starts.push((start, dur));
        next_start = start.saturating_add(dur.unwrap_or_default());
    }
    let mut total_segments: u64 = 0;
    for (pi, el) in periods.iter().enumerate() {
        let (start, explicit) = starts[pi];
        let duration = explicit.or_else(|| match starts.get(pi + 1) {
            Some((ns, _)) => ns.checked_sub(start),
            None => p.duration.and_then(|d| d.checked_sub(start)),
        });
        p.periods.push(Period {
            id: el.attr("id").map(str::to_owned),
            start,
            duration,
        });
        let now_in_period = match (now, ast) {
            (Some(n), Some(a)) => Some(n.millis_since(a) as f64 / 1000.0 - start.as_secs_f64()),
            _ => None,
        };
        let pctx = PeriodCtx {
            index: pi as u32,
            id: el.attr("id").unwrap_or_default().to_owned(),
            duration,
            dynamic,
            now_in_period,
            time_shift_depth: Some(
                live.time_shift_depth
                    .unwrap_or(Duration::MAX)
                    .min(Duration::from_secs(opts.limits.max_live_window_secs)),
            ),
            limits_segments: opts.limits.max_segments_per_rendition,
        };
        let pbases = bases.descend(*el, rep)?;
        let pinfo = SegInfo::default().descend(*el, rep)?;
        period(
            *el,
            &pctx,
            pbases.as_ref().unwrap_or(&bases),
            &pinfo,
            &mut p,
            &mut ll,
            &mut has_ll,
            rep,
            opts,
            &mut total_segments,
        )?;
    }
    if has_ll {
        p.low_latency = Some(ll);
    }
    Ok(p)
}

fn service_description(sd: El<'_>, ll: &mut LowLatency) -> bool {
    let mut any = false;
    let ms = |v: Option<&str>| {
        v.and_then(|s| parse_u64(s.trim()).ok())
            .map(Duration::from_millis)
    };
    if let Some(l) = sd.child("Latency") {
        ll.target_latency = ms(l.attr("target"));
        ll.min_latency = ms(l.attr("min"));
        ll.max_latency = ms(l.attr("max"));
        any = true;
    }
    if let Some(r) = sd.child("PlaybackRate") {
        ll.min_playback_rate = r.attr("min").and_then(|v| parse_xs_double(v).ok());
        ll.max_playback_rate = r.attr("max").and_then(|v| parse_xs_double(v).ok());
        any = true;
    }
    if let Some(b) = sd.child("OperatingBandwidth") {
        let bps = |v: Option<&str>| v.and_then(|s| parse_u64(s.trim()).ok()).map(Bitrate);
        ll.min_bandwidth = bps(b.attr("min"));
        ll.max_bandwidth = bps(b.attr("max"));
        any = true;
    }
    any
}

fn steering(
    cs: El<'_>,
    bases: &Bases,
    p: &mut Presentation,
    rep: &mut Report<'_>,
) -> Result<(), ManifestError> {
    let server = match bases.first().resolve_steering(cs.text()) {
        Ok(u) => u,
        Err(rule) => return rep.violation(cs, rule),
    };
    p.steering = Some(ContentSteering {
        server_uri: server,
        default_pathway: cs.attr("defaultServiceLocation").map(str::to_owned),
        query_before_start: cs.attr("queryBeforeStart") == Some("true"),
        client_requirement: cs.attr("clientRequirement") != Some("false"),
    });
    Ok(())
}

struct PeriodCtx {
    index: u32,
    id: String,
    duration: Option<Duration>,
    dynamic: bool,
    now_in_period: Option<f64>,
    time_shift_depth: Option<Duration>,
    limits_segments: u64,
}

fn media_type(mime: Option<&str>, content: Option<&str>, codecs: Option<&str>) -> MediaType {
    let m = content
        .or(mime.and_then(|m| m.split('/').next()))
        .unwrap_or("");
    match m {
        "video" => MediaType::Video,
        "audio" => MediaType::Audio,
        "text" => MediaType::Subtitles,
        "application" => match codecs {
            Some(c) if c.starts_with("stpp") || c.starts_with("wvtt") => MediaType::Subtitles,
            _ if mime.is_some_and(|m| m.contains("ttml") || m.contains("vtt")) => {
                MediaType::Subtitles
            }
            _ => MediaType::Unknown,
        },
        _ => MediaType::Unknown,
    }
}

fn protection(el: El<'_>) -> ContentProtection {
    let laurl = el
        .children()
        .find(|c| c.name().eq_ignore_ascii_case("laurl"))
        .map(|c| c.text().to_owned())
        .or_else(|| el.attr("licenseUrl").map(str::to_owned));
    ContentProtection {
        scheme_id_uri: el.attr("schemeIdUri").unwrap_or_default().to_owned(),
        value: el.attr("value").map(str::to_owned),
        default_kid: el
            .attr("cenc:default_KID")
            .or(el.attr("default_KID"))
            .map(str::to_owned),
        pssh: el.child("pssh").map(|c| c.text().to_owned()),
        license_url: laurl,
    }
}

fn frame_rate(v: &str) -> Option<f64> {
    match v.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
            (b > 0.0).then(|| a / b)
        }
        None => v.trim().parse().ok(),
    }
}

#[allow(clippy::too_many_arguments)]
fn period(
    el: El<'_>,
    pc: &PeriodCtx,
    bases: &Bases,
    info: &SegInfo<'_>,
    p: &mut Presentation,
    ll: &mut LowLatency,
    has_ll: &mut bool,
    rep: &mut Report<'_>,
    opts: &ParseOptions,
    total_segments: &mut u64,
) -> Result<(), ManifestError> {
    let first_rendition = p.renditions.len();
    let mut audio_group: Option<String> = None;
    for (ai, aset) in el.children_named("AdaptationSet").enumerate() {
        let as_id = aset
            .attr("id")
            .map(str::to_owned)
            .unwrap_or_else(|| ai.to_string());
        let abases_own = bases.descend(aset, rep)?;
        let abases = abases_own.as_ref().unwrap_or(bases);
        let ainfo = info.descend(aset, rep)?;
        let trick = aset
            .children_named("EssentialProperty")
            .chain(aset.children_named("SupplementalProperty"))
            .any(|e| e.attr("schemeIdUri") == Some("http://dashif.org/guidelines/trickmode"));
        let label = aset.child("Label").map(|l| l.text().to_owned());
        let roles: Vec<&str> = aset
            .children_named("Role")
            .filter_map(|r| r.attr("value"))
            .collect();
        for cp in aset.children_named("ContentProtection") {
            rep.diag
                .check_len(Limit::ListItems, p.content_protection.len(), rep.line(cp))?;
            p.content_protection.push(protection(cp));
        }
        for r in aset.children_named("Representation") {
            if p.renditions.len() + p.variants.len() >= opts.limits.max_renditions {
                return Err(ManifestError::LimitExceeded {
                    limit: Limit::Renditions,
                    max: opts.limits.max_renditions as u64,
                    line: rep.line(r),
                });
            }
            let rep_id = r.attr("id").unwrap_or_default();
            if rep_id.is_empty() {
                rep.tolerated(
                    r,
                    Rule::MissingAttribute {
                        tag: "Representation",
                        attribute: "id",
                    },
                )?;
            }
            let bandwidth = rep.uint(r, "Representation", "bandwidth")?;
            if bandwidth.is_none() {
                rep.tolerated(
                    r,
                    Rule::MissingAttribute {
                        tag: "Representation",
                        attribute: "bandwidth",
                    },
                )?;
            }
            let attr = |n: &str| r.attr(n).or(aset.attr(n));
            let codecs = attr("codecs").map(str::to_owned);
            let mime = attr("mimeType");
            let mt = media_type(mime, aset.attr("contentType"), codecs.as_deref());
            let rbases_own = abases.descend(r, rep)?;
            let rbases = rbases_own.as_ref().unwrap_or(abases);
            let rinfo = ainfo.descend(r, rep)?;
            if let Some(ato) = rinfo.ato {
                ll.availability_time_offset =
                    Some(ll.availability_time_offset.map_or(ato, |x: f64| x.max(ato)));
                *has_ll = true;
            }
            if rinfo.atc_false {
                ll.chunked = true;
                *has_ll = true;
            }
            let x = Expand {
                rep_id,
                bandwidth: bandwidth.unwrap_or(0),
                period_duration: pc.duration,
                dynamic: pc.dynamic,
                now_in_period: pc.now_in_period,
                time_shift_depth: pc.time_shift_depth,
                max_segments: pc.limits_segments,
            };
            let ex = rinfo.expand(r, &x, rbases.first(), rep)?;
            *total_segments = total_segments.saturating_add(ex.segments.len() as u64);
            if *total_segments > opts.limits.max_total_segments {
                return Err(ManifestError::LimitExceeded {
                    limit: Limit::TotalSegments,
                    max: opts.limits.max_total_segments,
                    line: rep.line(r),
                });
            }
            for cp in r.children_named("ContentProtection") {
                rep.diag
                    .check_len(Limit::ListItems, p.content_protection.len(), rep.line(cp))?;
                p.content_protection.push(protection(cp));
            }
            let id = RenditionId(p.renditions.len() as u32);
            let key = format!("{}/{}/{}", pc.id, as_id, rep_id);
            let mut rd = Rendition::new(id, key, pc.index, mt);
            rd.group_id = Some(as_id.clone());
            rd.name = label.clone();
            rd.language = attr("lang").map(str::to_owned);
            rd.bandwidth = bandwidth.map(Bitrate);
            rd.codecs = codecs;
            rd.mime_type = mime.map(str::to_owned);
            rd.characteristics = (!roles.is_empty()).then(|| roles.join(","));
            rd.channels = r
                .child("AudioChannelConfiguration")
                .or(aset.child("AudioChannelConfiguration"))
                .and_then(|c| c.attr("value"))
                .map(str::to_owned);
            let w = attr("width").and_then(|v| parse_u64(v.trim()).ok());
            let h = attr("height").and_then(|v| parse_u64(v.trim()).ok());
            if let (Some(w), Some(h)) = (w, h) {
                rd.resolution = Some(Resolution {
                    width: u32::try_from(w).unwrap_or(u32::MAX),
                    height: u32::try_from(h).unwrap_or(u32::MAX),
                });
            }
            rd.frame_rate = attr("frameRate").and_then(frame_rate);
            rd.sampling_rate = attr("audioSamplingRate")
                .and_then(|v| parse_u64(v.trim()).ok())
                .and_then(|v| u32::try_from(v).ok());
            rd.base_urls = rbases
                .alts
                .iter()
                .map(|(res, loc)| BaseUrl {
                    url: res.base_string(),
                    service_location: loc.clone(),
                })
                .collect();
            rd.pathway = rbases.alts[0].1.clone();
            let idx = &mut rd.segments;
            idx.loaded = true;
            idx.media_sequence = ex.segments.first().map(|s| s.number).unwrap_or(1);
            idx.target_duration = ex.nominal_duration;
            idx.ended = !pc.dynamic;
            idx.index_range = ex.index_range;
            if let Some(init) = ex.init {
                idx.init_sections.push(init);
            }
            let has_init = !idx.init_sections.is_empty();
            idx.segments = ex.segments;
            if has_init {
                for s in &mut idx.segments {
                    s.init = Some(0);
                }
            }
            let video_range = attr("transferCharacteristics")
                .or_else(|| {
                    r.children_named("SupplementalProperty")
                        .chain(aset.children_named("SupplementalProperty"))
                        .chain(aset.children_named("EssentialProperty"))
                        .find(|e| {
                            e.attr("schemeIdUri")
                                == Some("urn:mpeg:mpegB:cicp:TransferCharacteristics")
                        })
                        .and_then(|e| e.attr("value"))
                })
                .and_then(|v| match v.trim() {
                    "16" => Some(VideoRange::Pq),
                    "18" => Some(VideoRange::Hlg),
                    "1" | "6" | "13" | "14" | "15" => Some(VideoRange::Sdr),
                    _ => None,
                });
            if mt == MediaType::Audio && audio_group.is_none() {
                audio_group = Some(as_id.clone());
            }
            if mt == MediaType::Video {
                let vid = VariantId(p.variants.len() as u32);
                p.variants.push(Variant {
                    id: vid,
                    period: pc.index,
                    rendition: id,
                    bandwidth: rd.bandwidth.unwrap_or_default(),
                    average_bandwidth: None,
                    codecs: rd.codecs.clone(),
                    resolution: rd.resolution,
                    frame_rate: rd.frame_rate,
                    video_range,
                    hdcp_level: None,
                    audio_group: None,
                    video_group: None,
                    subtitle_group: None,
                    closed_captions: None,
                    pathway: rd.pathway.clone(),
                    stable_id: None,
                    i_frames_only: trick,
                    score: None,
                });
            }
            p.renditions.push(rd);
        }
    }
    // Pair video variants with the period's first audio set; a period without video offers
    // its audio representations as the variants.
    let period_variants = p.variants.iter().filter(|v| v.period == pc.index).count();
    if period_variants == 0 {
        for r in &p.renditions[first_rendition..] {
            if r.media_type == MediaType::Audio {
                let vid = VariantId(p.variants.len() as u32);
                p.variants.push(Variant {
                    id: vid,
                    period: pc.index,
                    rendition: r.id,
                    bandwidth: r.bandwidth.unwrap_or_default(),
                    average_bandwidth: None,
                    codecs: r.codecs.clone(),
                    resolution: None,
                    frame_rate: None,
                    video_range: None,
                    hdcp_level: None,
                    audio_group: r.group_id.clone(),
                    video_group: None,
                    subtitle_group: None,
                    closed_captions: None,
                    pathway: r.pathway.clone(),
                    stable_id: None,
                    i_frames_only: false,
                    score: None,
                });
            }
        }
    } else {
        for v in p.variants.iter_mut().filter(|v| v.period == pc.index) {
            v.audio_group = audio_group.clone();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{ManifestError, ParseOptions, Rule, ValueProblem};

    fn parse(s: &str) -> Result<crate::Presentation, ManifestError> {
        super::parse(s.as_bytes(), &ParseOptions::new())
    }

    #[test]
    fn representation_attributes_inherit_from_the_adaptation_set() {
        let p = parse(r#"<MPD mediaPresentationDuration="PT4S"><Period><AdaptationSet mimeType="audio/mp4" codecs="mp4a.40.2" lang="fr">
            <SegmentTemplate media="$RepresentationID$_$Number$.m4s" duration="2"/>
            <Representation id="a" bandwidth="64000"/></AdaptationSet></Period></MPD>"#).unwrap();
        let r = &p.renditions[0];
        assert_eq!(r.codecs.as_deref(), Some("mp4a.40.2"));
        assert_eq!(r.language.as_deref(), Some("fr"));
        assert_eq!(r.media_type, crate::MediaType::Audio);
        // A period with only audio offers its audio as the variants.
        assert_eq!(p.variants.len(), 1);
        assert_eq!(r.segments.segments[1].url, "a_2.m4s");
    }

    #[test]
    fn last_number_segment_is_cut_at_the_period_end() {
        let p = parse(
            r#"<MPD mediaPresentationDuration="PT5S"><Period><AdaptationSet mimeType="video/mp4">
            <SegmentTemplate media="$Number$.m4s" duration="2"/>
            <Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>"#,
        )
        .unwrap();
        let s = &p.renditions[0].segments.segments;
        assert_eq!(s.len(), 3);
        assert_eq!(s[2].duration, std::time::Duration::from_secs(1));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let e = parse(r#"<MPD><Period><AdaptationSet><SegmentTemplate timescale="x" media="a"/><Representation id="v" bandwidth="1"/></AdaptationSet></Period></MPD>"#).unwrap_err();
        assert!(matches!(
            e,
            ManifestError::Violation {
                rule: Rule::InvalidValue {
                    attribute: Some("timescale"),
                    problem: ValueProblem::NotAnInteger,
                    ..
                },
                ..
            }
        ));
        let e = parse(r#"<MPD><Period><AdaptationSet><SegmentTemplate media="$Foo$" duration="1"/><Representation id="v"/></AdaptationSet></Period></MPD>"#).unwrap_err();
        assert!(matches!(
            e,
            ManifestError::Violation {
                rule: Rule::InvalidTemplate,
                ..
            }
        ));
        let e = parse(r#"<MPD><Period><BaseURL>javascript:alert(1)</BaseURL></Period></MPD>"#)
            .unwrap_err();
        assert!(matches!(
            e,
            ManifestError::Violation {
                rule: Rule::DisallowedUri { .. },
                ..
            }
        ));
        assert!(matches!(
            parse("<NotMPD/>"),
            Err(ManifestError::UnknownFormat)
        ));
    }
}
