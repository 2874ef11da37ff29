//! DASH segment addressing: SegmentTemplate (`$Number$`, `$Time$`, `$Bandwidth$`,
//! `$RepresentationID$`, `%0Nd` widths), SegmentTimeline (with `r=-1`), SegmentList and
//! SegmentBase, inherited across Period, AdaptationSet and Representation.

use std::fmt::Write as _;
use std::time::Duration;

use super::xml::El;
use crate::error::{Limit, ManifestError, Rule, ValueProblem};
use crate::model::{IndexRange, InitSection, Segment};
use crate::options::Diagnostics;
use crate::text::{line_of, parse_u64};
use crate::units::ByteRange;
use crate::uri::Resolver;

/// Which element addresses the segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Template,
    List,
    Base,
}

/// Segment information merged down the hierarchy.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegInfo<'d> {
    pub(crate) kind: Option<Kind>,
    timescale: Option<u64>,
    duration: Option<u64>,
    start_number: Option<u64>,
    end_number: Option<u64>,
    pto: Option<u64>,
    media: Option<&'d str>,
    initialization: Option<&'d str>,
    init_range: Option<ByteRange>,
    index_range: Option<ByteRange>,
    timeline: Option<El<'d>>,
    list: Option<El<'d>>,
    pub(crate) ato: Option<f64>,
    pub(crate) atc_false: bool,
}

/// A `start-end` (inclusive) byte range.
pub(crate) fn parse_range(s: &str) -> Result<ByteRange, ValueProblem> {
    let (a, b) = s
        .trim()
        .split_once('-')
        .ok_or(ValueProblem::NotAByteRange)?;
    let start = parse_u64(a.trim()).map_err(|_| ValueProblem::NotAByteRange)?;
    let end = parse_u64(b.trim()).map_err(|_| ValueProblem::NotAByteRange)?;
    if end < start {
        return Err(ValueProblem::NotAByteRange);
    }
    Ok(ByteRange {
        start,
        length: end - start + 1,
    })
}

/// Context for reporting problems with lines.
pub(crate) struct Report<'a> {
    pub(crate) diag: &'a mut Diagnostics,
    pub(crate) input: &'a str,
}

impl Report<'_> {
    pub(crate) fn line(&self, el: El<'_>) -> u32 {
        line_of(self.input.as_bytes(), el.offset())
    }

    pub(crate) fn violation(&mut self, el: El<'_>, rule: Rule) -> Result<(), ManifestError> {
        let line = self.line(el);
        self.diag.violation(line, rule)
    }

    pub(crate) fn tolerated(&mut self, el: El<'_>, rule: Rule) -> Result<(), ManifestError> {
        let line = self.line(el);
        self.diag.tolerated(line, rule)
    }

    /// An unsigned integer attribute; invalid values are violations.
    pub(crate) fn uint(
        &mut self,
        el: El<'_>,
        tag: &'static str,
        attribute: &'static str,
    ) -> Result<Option<u64>, ManifestError> {
        match el.attr(attribute) {
            None => Ok(None),
            Some(v) => match parse_u64(v.trim()) {
                Ok(n) => Ok(Some(n)),
                Err(problem) => {
                    self.violation(
                        el,
                        Rule::InvalidValue {
                            tag,
                            attribute: Some(attribute),
                            problem,
                        },
                    )?;
                    Ok(None)
                }
            },
        }
    }
}

impl<'d> SegInfo<'d> {
    /// Merge the segment element (if any) of `parent_el` over `self`.
    pub(crate) fn descend(&self, el: El<'d>, rep: &mut Report<'_>) -> Result<Self, ManifestError> {
        let mut info = self.clone();
        for c in el.children() {
            let (kind, tag) = match c.name() {
                "SegmentTemplate" => (Kind::Template, "SegmentTemplate"),
                "SegmentList" => (Kind::List, "SegmentList"),
                "SegmentBase" => (Kind::Base, "SegmentBase"),
                _ => continue,
            };
            info.kind = Some(kind);
            if let Some(v) = rep.uint(c, tag, "timescale")? {
                if v == 0 {
                    rep.violation(
                        c,
                        Rule::InvalidValue {
                            tag,
                            attribute: Some("timescale"),
                            problem: ValueProblem::OutOfRange,
                        },
                    )?;
                } else {
                    info.timescale = Some(v);
                }
            }
            if let Some(v) = rep.uint(c, tag, "duration")? {
                info.duration = Some(v);
            }
            if let Some(v) = rep.uint(c, tag, "startNumber")? {
                info.start_number = Some(v);
            }
            if let Some(v) = rep.uint(c, tag, "endNumber")? {
                info.end_number = Some(v);
            }
            if let Some(v) = c.attr("presentationTimeOffset") {
                match parse_u64(v.trim()) {
                    Ok(n) => info.pto = Some(n),
                    Err(problem) => {
                        // dash.js plays a negative offset as zero; the schema says unsignedLong.
                        rep.violation(
                            c,
                            Rule::InvalidValue {
                                tag,
                                attribute: Some("presentationTimeOffset"),
                                problem,
                            },
                        )?;
                        info.pto = Some(0);
                    }
                }
            }
            if let Some(v) = c.attr("availabilityTimeOffset") {
                if let Ok(x) = crate::text::parse_xs_double(v) {
                    info.ato = Some(x);
                }
            }
            if c.attr("availabilityTimeComplete") == Some("false") {
                info.atc_false = true;
            }
            if kind == Kind::Template {
                if let Some(m) = c.attr("media") {
                    info.media = Some(m);
                }
                if let Some(i) = c.attr("initialization") {
                    info.initialization = Some(i);
                    info.init_range = None;
                }
            }
            if let Some(r) = c.attr("indexRange") {
                match parse_range(r) {
                    Ok(r) => info.index_range = Some(r),
                    Err(problem) => rep.violation(
                        c,
                        Rule::InvalidValue {
                            tag,
                            attribute: Some("indexRange"),
                            problem,
                        },
                    )?,
                }
            }
            if let Some(init) = c.child("Initialization") {
                info.initialization = init.attr("sourceURL").or(Some(""));
                info.init_range = None;
                if let Some(r) = init.attr("range") {
                    match parse_range(r) {
                        Ok(r) => info.init_range = Some(r),
                        Err(problem) => rep.violation(
                            init,
                            Rule::InvalidValue {
                                tag: "Initialization",
                                attribute: Some("range"),
                                problem,
                            },
                        )?,
                    }
                }
            }
            if let Some(t) = c.child("SegmentTimeline") {
                info.timeline = Some(t);
            }
            if kind == Kind::List && c.child("SegmentURL").is_some() {
                info.list = Some(c);
            }
        }
        Ok(info)
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, Copy)]
enum Piece<'t> {
    Lit(&'t str),
    RepId,
    Number(usize),
    Time(usize),
    Bandwidth(usize),
}

/// Parse `$Identifier%0Nd$` pieces.
fn parse_template(t: &str) -> Result<Vec<Piece<'_>>, Rule> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('$') {
        if i > 0 {
            out.push(Piece::Lit(&rest[..i]));
        }
        let after = &rest[i + 1..];
        let j = after.find('$').ok_or(Rule::InvalidTemplate)?;
        let ident = &after[..j];
        let (name, width) = match ident.split_once('%') {
            Some((n, fmt)) => {
                let w = fmt
                    .strip_prefix('0')
                    .and_then(|f| f.strip_suffix('d'))
                    .and_then(|w| w.parse::<usize>().ok())
                    .filter(|w| *w <= 32)
                    .ok_or(Rule::InvalidTemplate)?;
                (n, w)
            }
            None => (ident, 1),
        };
        out.push(match name {
            "" => Piece::Lit("$"),
            "RepresentationID" if width == 1 && !ident.contains('%') => Piece::RepId,
            "Number" => Piece::Number(width),
            "Time" => Piece::Time(width),
            "Bandwidth" => Piece::Bandwidth(width),
            _ => return Err(Rule::InvalidTemplate),
        });
        rest = &after[j + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    Ok(out)
}

fn fill(
    pieces: &[Piece<'_>],
    rep_id: &str,
    bandwidth: u64,
    number: u64,
    time: u64,
    out: &mut String,
) {
    out.clear();
    for p in pieces {
        // Writing into a String cannot fail.
        let _ = match *p {
            Piece::Lit(s) => {
                out.push_str(s);
                Ok(())
            }
            Piece::RepId => {
                out.push_str(rep_id);
                Ok(())
            }
            Piece::Number(w) => write!(out, "{number:0w$}"),
            Piece::Time(w) => write!(out, "{time:0w$}"),
            Piece::Bandwidth(w) => write!(out, "{bandwidth:0w$}"),
        };
    }
}

/// A media template resolved against its base URL once, with only `$Number$` and `$Time$`
/// left to fill per segment. Resolving every segment URL separately costs a URL parse
/// each; this keeps DASH expansion at tens of MB/s.
#[derive(Debug)]
struct ResolvedTemplate {
    pieces: Vec<Slot>,
}

#[derive(Debug)]
enum Slot {
    Lit(String),
    Number(usize),
    Time(usize),
}

const MARK: &str = "zzdmoeslot";

impl ResolvedTemplate {
    /// Resolve `pieces` for one representation; None when a fast path is not safe (an
    /// identifier in the host, or normalisation that altered a placeholder).
    fn prepare(
        pieces: &[Piece<'_>],
        rep_id: &str,
        bandwidth: u64,
        resolver: &Resolver,
    ) -> Result<Option<Self>, Rule> {
        let mut s = String::new();
        let mut slots = Vec::new();
        for p in pieces {
            match *p {
                Piece::Lit(l) => s.push_str(l),
                Piece::RepId => s.push_str(rep_id),
                Piece::Bandwidth(w) => {
                    let _ = write!(s, "{bandwidth:0w$}");
                }
                Piece::Number(w) => {
                    let _ = write!(s, "{MARK}{}z", slots.len());
                    slots.push(Slot::Number(w));
                }
                Piece::Time(w) => {
                    let _ = write!(s, "{MARK}{}z", slots.len());
                    slots.push(Slot::Time(w));
                }
            }
        }
        let resolved = resolver.resolve(&s)?;
        let path_start = match resolved.find("://") {
            Some(i) => resolved[i + 3..]
                .find('/')
                .map_or(resolved.len(), |j| i + 3 + j),
            None => 0,
        };
        if resolved[..path_start].contains(MARK) {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(slots.len() * 2 + 1);
        let mut rest = resolved.as_str();
        for (i, slot) in slots.into_iter().enumerate() {
            let marker = format!("{MARK}{i}z");
            let Some(at) = rest.find(&marker) else {
                return Ok(None);
            };
            out.push(Slot::Lit(rest[..at].to_owned()));
            out.push(slot);
            rest = &rest[at + marker.len()..];
        }
        if rest.contains(MARK) {
            return Ok(None);
        }
        out.push(Slot::Lit(rest.to_owned()));
        Ok(Some(Self { pieces: out }))
    }

    fn fill(&self, number: u64, time: u64) -> String {
        fn push_padded(out: &mut String, mut v: u64, width: usize) {
            let mut digits = [0u8; 20];
            let mut n = 0;
            loop {
                digits[19 - n] = b'0' + (v % 10) as u8;
                n += 1;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            for _ in n..width {
                out.push('0');
            }
            for &d in &digits[20 - n..] {
                out.push(char::from(d));
            }
        }
        let lits: usize = self
            .pieces
            .iter()
            .map(|p| match p {
                Slot::Lit(l) => l.len(),
                _ => 20,
            })
            .sum();
        let mut url = String::with_capacity(lits);
        for p in &self.pieces {
            match *p {
                Slot::Lit(ref l) => url.push_str(l),
                Slot::Number(w) => push_padded(&mut url, number, w),
                Slot::Time(w) => push_padded(&mut url, time, w),
            }
        }
        url
    }
}

/// What a representation needs to expand its segments.
pub(crate) struct Expand<'a> {
    pub(crate) rep_id: &'a str,
    pub(crate) bandwidth: u64,
    pub(crate) period_duration: Option<Duration>,
    pub(crate) dynamic: bool,
    /// Seconds since the period start per the host's clock (dynamic only).
    pub(crate) now_in_period: Option<f64>,
    pub(crate) time_shift_depth: Option<Duration>,
    pub(crate) max_segments: u64,
}

/// The expanded addressing of one representation.
#[derive(Debug, Default)]
pub(crate) struct Expanded {
    pub(crate) segments: Vec<Segment>,
    pub(crate) init: Option<InitSection>,
    pub(crate) index_range: Option<IndexRange>,
    pub(crate) nominal_duration: Option<Duration>,
}

fn too_many(max: u64, line: u32) -> ManifestError {
    ManifestError::LimitExceeded {
        limit: Limit::SegmentsPerRendition,
        max,
        line,
    }
}

fn secs_of(ticks: f64, timescale: u64) -> Duration {
    crate::units::secs_saturating(ticks / timescale as f64)
}

/// `(t - pto) / timescale` exactly, in integer arithmetic (zero when negative).
fn ticks_to_duration(t: u64, pto: u64, timescale: u64) -> Duration {
    let ticks64 = t.saturating_sub(pto);
    let ts64 = timescale.max(1);
    if ts64 <= u64::from(u32::MAX) {
        // (ticks % ts) < 2^32, so the nanosecond product fits in u64.
        let nanos = (ticks64 % ts64) * 1_000_000_000 / ts64;
        return Duration::new(ticks64 / ts64, nanos as u32);
    }
    let ticks = u128::from(ticks64);
    let ts = u128::from(timescale.max(1));
    let secs = ticks / ts;
    let nanos = (ticks % ts) * 1_000_000_000 / ts;
    match u64::try_from(secs) {
        Ok(s) => Duration::new(s, nanos as u32),
        Err(_) => Duration::MAX,
    }
}

impl SegInfo<'_> {
    /// Expand into segments, resolving URLs with `resolver` (the representation's base).
    pub(crate) fn expand(
        &self,
        el: El<'_>,
        x: &Expand<'_>,
        resolver: &Resolver,
        rep: &mut Report<'_>,
    ) -> Result<Expanded, ManifestError> {
        let mut out = Expanded::default();
        let ts = self.timescale.unwrap_or(1);
        let pto = self.pto.unwrap_or(0);
        let start_number = self.start_number.unwrap_or(1);
        let resolve = |rep: &mut Report<'_>, s: &str| -> Result<Option<String>, ManifestError> {
            if s.is_empty() {
                return Ok(Some(resolver.base_string()));
            }
            match resolver.resolve(s) {
                Ok(u) => Ok(Some(u)),
                Err(rule) => {
                    rep.violation(el, rule)?;
                    Ok(None)
                }
            }
        };
        // Initialization.
        if let Some(init) = self.initialization {
            let filled = if self.kind == Some(Kind::Template) {
                match parse_template(init) {
                    Ok(p) => {
                        let mut s = String::new();
                        fill(&p, x.rep_id, x.bandwidth, start_number, 0, &mut s);
                        Some(s)
                    }
                    Err(rule) => {
                        rep.violation(el, rule)?;
                        None
                    }
                }
            } else {
                Some(init.to_owned())
            };
            if let Some(f) = filled {
                if let Some(url) = resolve(rep, &f)? {
                    out.init = Some(InitSection {
                        url,
                        byte_range: self.init_range,
                        key_set: None,
                    });
                }
            }
        }
        match self.kind {
            None => {
                // Only a BaseURL: the whole resource is one segment.
                if let Some(url) = resolve(rep, "")? {
                    out.segments.push(Segment::plain(
                        start_number,
                        url,
                        None,
                        Duration::ZERO,
                        x.period_duration.unwrap_or_default(),
                    ));
                }
            }
            Some(Kind::Base) => {
                if let Some(range) = self.index_range {
                    if let Some(url) = resolve(rep, "")? {
                        out.index_range = Some(IndexRange {
                            url,
                            range,
                            timescale: ts,
                            presentation_time_offset: pto,
                        });
                    }
                } else if let Some(url) = resolve(rep, "")? {
                    out.segments.push(Segment::plain(
                        start_number,
                        url,
                        None,
                        Duration::ZERO,
                        x.period_duration.unwrap_or_default(),
                    ));
                }
            }
            Some(Kind::Template) => {
                let Some(media) = self.media else {
                    rep.tolerated(
                        el,
                        Rule::MissingAttribute {
                            tag: "SegmentTemplate",
                            attribute: "media",
                        },
                    )?;
                    return Ok(out);
                };
                let pieces = match parse_template(media) {
                    Ok(p) => p,
                    Err(rule) => {
                        rep.violation(el, rule)?;
                        return Ok(out);
                    }
                };
                let times = self.times(x, ts, pto, rep, el)?;
                out.nominal_duration = self.duration.map(|d| secs_of(d as f64, ts));
                let fast = match ResolvedTemplate::prepare(&pieces, x.rep_id, x.bandwidth, resolver)
                {
                    Ok(f) => f,
                    Err(rule) => {
                        rep.violation(el, rule)?;
                        return Ok(out);
                    }
                };
                let mut buf = String::new();
                out.segments.reserve(times.len());
                for (i, t, d) in times {
                    let number = start_number.saturating_add(i);
                    let url = match &fast {
                        Some(f) => f.fill(number, t),
                        None => {
                            fill(&pieces, x.rep_id, x.bandwidth, number, t, &mut buf);
                            match resolve(rep, &buf)? {
                                Some(u) => u,
                                None => continue,
                            }
                        }
                    };
                    out.segments.push(Segment::plain(
                        number,
                        url,
                        None,
                        ticks_to_duration(t, pto, ts),
                        ticks_to_duration(d, 0, ts),
                    ));
                }
            }
            Some(Kind::List) => {
                let Some(list) = self.list else {
                    rep.tolerated(el, Rule::NoSegmentAddressing)?;
                    return Ok(out);
                };
                let urls: Vec<El<'_>> = list.children_named("SegmentURL").collect();
                if urls.len() as u64 > x.max_segments {
                    return Err(too_many(x.max_segments, rep.line(el)));
                }
                let times = if self.timeline.is_some() {
                    self.times(x, ts, pto, rep, el)?
                } else {
                    let d = self.duration.unwrap_or(0);
                    (0..urls.len() as u64)
                        .map(|k| (k, pto.saturating_add(k.saturating_mul(d)), d))
                        .collect()
                };
                for (u, (i, t, d)) in urls.iter().zip(times) {
                    let media = u.attr("media").unwrap_or("");
                    let byte_range = match u.attr("mediaRange") {
                        Some(r) => match parse_range(r) {
                            Ok(r) => Some(r),
                            Err(problem) => {
                                rep.violation(
                                    *u,
                                    Rule::InvalidValue {
                                        tag: "SegmentURL",
                                        attribute: Some("mediaRange"),
                                        problem,
                                    },
                                )?;
                                None
                            }
                        },
                        None => None,
                    };
                    let Some(url) = resolve(rep, media)? else {
                        continue;
                    };
                    out.segments.push(Segment::plain(
                        start_number.saturating_add(i),
                        url,
                        byte_range,
                        secs_of(t as f64 - pto as f64, ts),
                        secs_of(d as f64, ts),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The (time, duration) pairs in timescale units, from a timeline or from `@duration`.
    fn times(
        &self,
        x: &Expand<'_>,
        ts: u64,
        pto: u64,
        rep: &mut Report<'_>,
        el: El<'_>,
    ) -> Result<Vec<(u64, u64, u64)>, ManifestError> {
        let tsf = ts as f64;
        // A segment is available `ato` seconds before it is complete, but never before it
        // starts: `availabilityTimeOffset="INF"` (chunked low-latency) means "from its start".
        let max_ato = self.duration.map_or(60.0, |d| d as f64 / tsf);
        let ato = self.ato.unwrap_or(0.0).clamp(0.0, max_ato);
        // Latest media time (timescale units) that may be listed.
        let horizon: Option<f64> = if x.dynamic {
            x.now_in_period.map(|n| (n + ato) * tsf + pto as f64)
        } else {
            None
        };
        let period_end: Option<f64> = x
            .period_duration
            .map(|d| d.as_secs_f64() * tsf + pto as f64);
        let mut out: Vec<(u64, u64, u64)> = Vec::new();
        if let Some(tl) = self.timeline {
            let ss: Vec<El<'_>> = tl.children_named("S").collect();
            let mut cur: u64 = pto;
            let mut idx: u64 = 0;
            for (i, s) in ss.iter().enumerate() {
                let t = rep.uint(*s, "S", "t")?.unwrap_or(cur);
                let Some(d) = rep.uint(*s, "S", "d")? else {
                    rep.violation(
                        *s,
                        Rule::MissingAttribute {
                            tag: "S",
                            attribute: "d",
                        },
                    )?;
                    continue;
                };
                if d == 0 {
                    rep.violation(
                        *s,
                        Rule::InvalidValue {
                            tag: "S",
                            attribute: Some("d"),
                            problem: ValueProblem::OutOfRange,
                        },
                    )?;
                    continue;
                }
                let r: i64 = match s.attr("r") {
                    None => 0,
                    Some(v) => v.trim().parse::<i64>().unwrap_or(0),
                };
                let repeats: u64 = if r >= 0 {
                    r as u64
                } else {
                    // Until the next S@t, the period end, or (live) the host's now.
                    let next_t = ss
                        .get(i + 1)
                        .and_then(|n| n.attr("t"))
                        .and_then(|v| parse_u64(v.trim()).ok())
                        .map(|v| v as f64);
                    let end = next_t.or(period_end).or(horizon);
                    match end {
                        Some(e) if e > t as f64 => {
                            let n = ((e - t as f64) / d as f64).ceil();
                            if n > 1e15 {
                                u64::MAX
                            } else {
                                (n as u64).saturating_sub(1)
                            }
                        }
                        _ => 0,
                    }
                };
                let count = repeats.saturating_add(1);
                // How many of them exist now (live) and which of those we keep.
                let fit = match horizon {
                    Some(h) if h <= t as f64 => 0,
                    Some(h) => (((h - t as f64) / d as f64).floor() as u64).min(count),
                    None => count,
                };
                if horizon.is_none() && (out.len() as u64).saturating_add(fit) > x.max_segments {
                    return Err(too_many(x.max_segments, rep.line(el)));
                }
                let skip = fit.saturating_sub(x.max_segments);
                for k in skip..fit {
                    out.push((idx + k, t.saturating_add(k.saturating_mul(d)), d));
                }
                if out.len() as u64 > x.max_segments.saturating_mul(2) {
                    let excess = out.len() - x.max_segments as usize;
                    out.drain(..excess);
                }
                idx = idx.saturating_add(count);
                cur = t.saturating_add(d.saturating_mul(count));
            }
            if out.len() as u64 > x.max_segments {
                let excess = out.len() - x.max_segments as usize;
                out.drain(..excess);
            }
            if let (Some(depth), Some(h)) = (x.time_shift_depth, horizon) {
                let oldest = h - depth.as_secs_f64() * tsf;
                out.retain(|&(_, t, d)| (t.saturating_add(d)) as f64 >= oldest);
            }
            return Ok(out);
        }
        let Some(d) = self.duration.filter(|d| *d > 0) else {
            rep.violation(el, Rule::NoSegmentAddressing)?;
            return Ok(out);
        };
        let df = d as f64;
        let (first, end): (u64, u64) = if x.dynamic {
            let Some(now) = x.now_in_period else {
                rep.tolerated(el, Rule::NeedsClock)?;
                return Ok(out);
            };
            let mut avail = ((now + ato) * tsf / df).floor();
            if let Some(pd) = x.period_duration {
                avail = avail.min((pd.as_secs_f64() * tsf / df).ceil());
            }
            let avail = if avail > 0.0 { avail as u64 } else { 0 };
            let first = match x.time_shift_depth {
                Some(depth) => {
                    let f = ((now - depth.as_secs_f64()) * tsf / df).floor();
                    if f > 0.0 { f as u64 } else { 0 }
                }
                None => 0,
            };
            let first = first.max(avail.saturating_sub(x.max_segments));
            (first.min(avail), avail)
        } else {
            let Some(pd) = x.period_duration else {
                rep.violation(el, Rule::NoSegmentAddressing)?;
                return Ok(out);
            };
            let n = (pd.as_secs_f64() * tsf / df - 1e-9).ceil();
            if n.is_nan() || n > x.max_segments as f64 {
                return Err(too_many(x.max_segments, rep.line(el)));
            }
            (0, n.max(0.0) as u64)
        };
        let end = match self.end_number {
            Some(e) => end.min(
                e.saturating_sub(self.start_number.unwrap_or(1))
                    .saturating_add(1),
            ),
            None => end,
        };
        out.reserve(end.saturating_sub(first) as usize);
        for k in first..end {
            let t = pto.saturating_add(k.saturating_mul(d));
            let last = period_end.is_some_and(|pe| (t + d) as f64 > pe);
            let dd = if last {
                (period_end.unwrap_or(0.0) - t as f64).max(0.0) as u64
            } else {
                d
            };
            out.push((k, t, dd.max(1)));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let p =
            parse_template("$RepresentationID$/seg-$Number%05d$-$Time$-$Bandwidth$$$.m4s").unwrap();
        let mut s = String::new();
        fill(&p, "v1", 500_000, 42, 9000, &mut s);
        assert_eq!(s, "v1/seg-00042-9000-500000$.m4s");
        assert!(parse_template("$Nope$").is_err());
        assert!(parse_template("$Number").is_err());
        assert!(parse_template("$Number%5x$").is_err());
    }

    #[test]
    fn resolved_templates_match_per_segment_resolution() {
        let r = Resolver::new(Some("https://cdn.example.com/a/b/manifest.mpd")).unwrap();
        for t in [
            "../$RepresentationID$/$Number%05d$.m4s?t=$Time$",
            "/abs/$Bandwidth$/$Time$",
            "x/./$Number$/../y$Number$.mp4",
        ] {
            let p = parse_template(t).unwrap();
            let Some(fast) = ResolvedTemplate::prepare(&p, "v 1", 800, &r).unwrap() else {
                // Dot segments swallowed a placeholder: the slow path handles it.
                assert!(t.contains("/../"));
                continue;
            };
            for (n, time) in [(1u64, 0u64), (42, 9_000_000), (100_000, 1)] {
                let mut s = String::new();
                fill(&p, "v 1", 800, n, time, &mut s);
                assert_eq!(fast.fill(n, time), r.resolve(&s).unwrap(), "{t}");
            }
        }
        // An identifier in the host is not on the fast path.
        let p = parse_template("https://$Number$.cdn.example/x").unwrap();
        assert!(ResolvedTemplate::prepare(&p, "v", 1, &r).unwrap().is_none());
    }

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("0-99").unwrap(),
            ByteRange {
                start: 0,
                length: 100
            }
        );
        assert!(parse_range("9-1").is_err());
        assert!(parse_range("x").is_err());
    }
}
