//! Common Media Client Data (CTA-5004): what the player tells the CDN about each request.
//!
//! [`Cmcd`] holds the keys DMOE fills; [`Cmcd::to_query`], [`Cmcd::to_headers`] and
//! [`Cmcd::to_json`] encode them following the specification's rules: keys in alphabetical
//! order, strings quoted and escaped, tokens bare, a true boolean written as the bare key and
//! a false one left out, `bl`, `dl` and `mtp` rounded to the nearest 100, `rtp` to the
//! nearest 100, `pr` left out at 1 and `v` left out at 1.
//!
//! ```
//! use dmoe_core::agent::{Cmcd, CmcdObject};
//! let c = Cmcd {
//!     br: Some(3200),
//!     bl: Some(21_340),
//!     ot: Some(CmcdObject::Video),
//!     sid: Some("6e2fb550-c457-11e9-bb97-0800200c9a66".into()),
//!     su: true,
//!     ..Cmcd::default()
//! };
//! assert_eq!(
//!     c.to_string(),
//!     r#"bl=21300,br=3200,ot=v,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",su"#
//! );
//! assert_eq!(
//!     c.to_query(),
//!     "CMCD=bl%3D21300%2Cbr%3D3200%2Cot%3Dv%2Csid%3D%226e2fb550-c457-11e9-bb97-0800200c9a66%22%2Csu"
//! );
//! ```

use std::fmt::{self, Write as _};

/// Object type (`ot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CmcdObject {
    /// `m`: manifest or playlist.
    Manifest,
    /// `a`: audio only.
    Audio,
    /// `v`: video only.
    Video,
    /// `av`: muxed audio and video.
    Muxed,
    /// `i`: init segment.
    Init,
    /// `c`: caption or subtitle.
    Caption,
    /// `k`: key or licence.
    Key,
    /// `o`: other.
    Other,
}

impl CmcdObject {
    fn token(self) -> &'static str {
        match self {
            Self::Manifest => "m",
            Self::Audio => "a",
            Self::Video => "v",
            Self::Muxed => "av",
            Self::Init => "i",
            Self::Caption => "c",
            Self::Key => "k",
            Self::Other => "o",
        }
    }
}

/// Player state (`sta`, CMCD version 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CmcdState {
    /// `s`: starting.
    Starting,
    /// `p`: playing.
    Playing,
    /// `k`: seeking.
    Seeking,
    /// `r`: rebuffering.
    Rebuffering,
    /// `a`: paused.
    Paused,
    /// `e`: ended.
    Ended,
}

impl CmcdState {
    fn token(self) -> &'static str {
        match self {
            Self::Starting => "s",
            Self::Playing => "p",
            Self::Seeking => "k",
            Self::Rebuffering => "r",
            Self::Paused => "a",
            Self::Ended => "e",
        }
    }
}

/// The CMCD keys of one request. `None` / `false` keys are not sent.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cmcd {
    /// Encoded bitrate of the object, kbps.
    pub br: Option<u64>,
    /// Buffer length, ms (sent rounded to the nearest 100).
    pub bl: Option<u64>,
    /// Buffer starvation since the last request.
    pub bs: bool,
    /// Content id.
    pub cid: Option<String>,
    /// Object duration, ms.
    pub d: Option<u64>,
    /// Deadline: ms until the buffer runs dry at the current rate (nearest 100).
    pub dl: Option<u64>,
    /// Measured throughput, kbps (nearest 100).
    pub mtp: Option<u64>,
    /// Next object request: URL relative to this request's.
    pub nor: Option<String>,
    /// Next range request (`start-end`).
    pub nrr: Option<String>,
    /// Object type.
    pub ot: Option<CmcdObject>,
    /// Playback rate (left out at 1).
    pub pr: Option<f64>,
    /// Requested maximum throughput, kbps (nearest 100).
    pub rtp: Option<u64>,
    /// Streaming format token: `h` HLS, `d` DASH.
    pub sf: Option<char>,
    /// Session id.
    pub sid: Option<String>,
    /// Stream type token: `v` VOD, `l` live.
    pub st: Option<char>,
    /// Startup: the object is needed urgently (start-up, seek, recovery from a stall).
    pub su: bool,
    /// Top bitrate of the ladder, kbps.
    pub tb: Option<u64>,
    /// Version (left out at 1).
    pub v: Option<u8>,
    /// Version 2: live latency, ms.
    pub ltc: Option<u64>,
    /// Version 2: request sequence number in the session.
    pub sn: Option<u64>,
    /// Version 2: player state.
    pub sta: Option<CmcdState>,
}

/// What the CMCD keys of one request are made from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(crate) cfg: &'a super::CmcdConfig,
    pub(crate) session_id: &'a str,
    pub(crate) init: bool,
    pub(crate) media: crate::MediaType,
    /// Bitrate of the object's rendition and the ladder's top one, bits per second.
    pub(crate) bitrate_bps: u64,
    pub(crate) top_bps: u64,
    pub(crate) duration: std::time::Duration,
    pub(crate) playhead: &'a super::playhead::Playhead,
    pub(crate) mtp_bps: Option<u64>,
    /// `h` HLS, `d` DASH (None: not known).
    pub(crate) format: Option<char>,
    /// Live or VOD (None: not known).
    pub(crate) live: Option<bool>,
    pub(crate) seq: u64,
}

/// The CMCD keys of a request (None when CMCD is off).
pub(crate) fn keys(f: &Facts<'_>) -> Option<Cmcd> {
    use crate::PlaybackState;
    if f.cfg.mode == super::CmcdMode::Off {
        return None;
    }
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let buffer_ms = ms(f.playhead.buffer());
    let v2 = f.cfg.version >= 2;
    let rate = f.playhead.rate;
    Some(Cmcd {
        br: (!f.init).then_some(f.bitrate_bps / 1000),
        bl: Some(buffer_ms),
        bs: f.playhead.starved,
        cid: f.cfg.content_id.clone(),
        d: (!f.init).then(|| ms(f.duration)),
        dl: (rate > 0.0).then(|| {
            let dl = buffer_ms as f64 / rate;
            if dl.is_finite() && dl < u64::MAX as f64 {
                dl as u64
            } else {
                u64::MAX
            }
        }),
        mtp: f.mtp_bps.map(|b| b / 1000),
        nor: None,
        nrr: None,
        ot: Some(match (f.init, f.media) {
            (true, _) => CmcdObject::Init,
            (_, crate::MediaType::Audio) => CmcdObject::Audio,
            _ => CmcdObject::Video,
        }),
        pr: Some(rate),
        rtp: None,
        sf: f.format,
        sid: Some(f.session_id.to_owned()),
        st: f.live.map(|l| if l { 'l' } else { 'v' }),
        su: f.playhead.urgent,
        tb: Some(f.top_bps / 1000),
        v: (f.cfg.version != 1).then_some(f.cfg.version),
        ltc: if v2 { f.playhead.latency.map(ms) } else { None },
        sn: v2.then_some(f.seq),
        sta: v2.then_some(match f.playhead.state {
            PlaybackState::Starting => CmcdState::Starting,
            PlaybackState::Playing => CmcdState::Playing,
            PlaybackState::Paused => CmcdState::Paused,
            PlaybackState::Seeking => CmcdState::Seeking,
            PlaybackState::Stalled => CmcdState::Rebuffering,
            PlaybackState::Ended => CmcdState::Ended,
        }),
    })
}

/// Put the keys on a request: in the URL's query, or as headers (JSON mode: neither, the
/// host sends them itself).
pub(crate) fn attach(
    mode: super::CmcdMode,
    url: &mut String,
    headers: &mut Vec<(String, String)>,
    c: &Cmcd,
) {
    match mode {
        super::CmcdMode::Query => {
            let q = c.to_query();
            if !q.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&q);
            }
        }
        super::CmcdMode::Header => {
            headers.extend(c.to_headers().into_iter().map(|(k, v)| (k.to_owned(), v)));
        }
        super::CmcdMode::Json | super::CmcdMode::Off => {}
    }
}

/// Which header each key goes in (CTA-5004 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shard {
    Object,
    Request,
    Session,
    Status,
}

enum Value<'a> {
    Int(u64),
    Dec(f64),
    Str(&'a str),
    Token(&'a str),
    Flag,
}

fn round100(v: u64) -> u64 {
    (v.saturating_add(50) / 100).saturating_mul(100)
}

impl Cmcd {
    /// `(key, value, header)` for every key that is sent, in alphabetical order.
    fn pairs(&self) -> Vec<(&'static str, Value<'_>, Shard)> {
        use Shard::*;
        let mut out = Vec::with_capacity(12);
        let version = self.v.unwrap_or(1);
        if let Some(v) = self.bl {
            out.push(("bl", Value::Int(round100(v)), Request));
        }
        if let Some(v) = self.br {
            out.push(("br", Value::Int(v), Object));
        }
        if self.bs {
            out.push(("bs", Value::Flag, Status));
        }
        if let Some(v) = &self.cid {
            out.push(("cid", Value::Str(v), Session));
        }
        if let Some(v) = self.d {
            out.push(("d", Value::Int(v), Object));
        }
        if let Some(v) = self.dl {
            out.push(("dl", Value::Int(round100(v)), Request));
        }
        if version >= 2
            && let Some(v) = self.ltc
        {
            out.push(("ltc", Value::Int(v), Request));
        }
        if let Some(v) = self.mtp {
            out.push(("mtp", Value::Int(round100(v)), Request));
        }
        if let Some(v) = &self.nor {
            out.push(("nor", Value::Str(v), Request));
        }
        if version < 2
            && let Some(v) = &self.nrr
        {
            out.push(("nrr", Value::Str(v), Request));
        }
        if let Some(v) = self.ot {
            out.push(("ot", Value::Token(v.token()), Object));
        }
        if let Some(v) = self.pr.filter(|p| p.is_finite() && (*p - 1.0).abs() > 1e-9) {
            out.push(("pr", Value::Dec(v), Session));
        }
        if let Some(v) = self.rtp {
            out.push(("rtp", Value::Int(round100(v)), Status));
        }
        if let Some(v) = self.sf {
            out.push(("sf", Value::Token(sf_token(v)), Session));
        }
        if let Some(v) = &self.sid {
            out.push(("sid", Value::Str(v), Session));
        }
        if version >= 2
            && let Some(v) = self.sn
        {
            out.push(("sn", Value::Int(v), Request));
        }
        if let Some(v) = self.st {
            out.push(("st", Value::Token(st_token(v)), Session));
        }
        if version >= 2
            && let Some(v) = self.sta
        {
            out.push(("sta", Value::Token(v.token()), Status));
        }
        if self.su {
            out.push(("su", Value::Flag, Request));
        }
        if let Some(v) = self.tb {
            out.push(("tb", Value::Int(v), Object));
        }
        if version != 1 {
            out.push(("v", Value::Int(u64::from(version)), Session));
        }
        out
    }

    fn write_pairs(
        pairs: &[(&'static str, Value<'_>, Shard)],
        f: &mut impl fmt::Write,
    ) -> fmt::Result {
        for (i, (k, v, _)) in pairs.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            f.write_str(k)?;
            match v {
                Value::Flag => {}
                Value::Int(n) => write!(f, "={n}")?,
                Value::Dec(d) => write!(f, "={}", format_decimal(*d))?,
                Value::Token(t) => write!(f, "={t}")?,
                Value::Str(s) => {
                    f.write_str("=\"")?;
                    for c in s.chars() {
                        if c == '"' || c == '\\' {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                    f.write_char('"')?;
                }
            }
        }
        Ok(())
    }

    /// Query mode: `CMCD=<url-encoded payload>` (empty when no key is set).
    pub fn to_query(&self) -> String {
        let payload = self.to_string();
        if payload.is_empty() {
            return String::new();
        }
        let mut out = String::with_capacity(payload.len() * 3 + 5);
        out.push_str("CMCD=");
        for b in payload.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b as char);
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
        out
    }

    /// Header mode: up to four `(name, value)` headers (`CMCD-Object`, `CMCD-Request`,
    /// `CMCD-Session`, `CMCD-Status`), each with its keys in alphabetical order; headers with
    /// no keys are left out.
    pub fn to_headers(&self) -> Vec<(&'static str, String)> {
        let pairs = self.pairs();
        let mut out = Vec::with_capacity(4);
        for (name, shard) in [
            ("CMCD-Object", Shard::Object),
            ("CMCD-Request", Shard::Request),
            ("CMCD-Session", Shard::Session),
            ("CMCD-Status", Shard::Status),
        ] {
            let mine: Vec<(&'static str, Value<'_>, Shard)> = pairs
                .iter()
                .filter(|p| p.2 == shard)
                .map(|(k, v, s)| {
                    let v = match v {
                        Value::Int(n) => Value::Int(*n),
                        Value::Dec(d) => Value::Dec(*d),
                        Value::Str(s) => Value::Str(s),
                        Value::Token(t) => Value::Token(t),
                        Value::Flag => Value::Flag,
                    };
                    (*k, v, *s)
                })
                .collect();
            if !mine.is_empty() {
                let mut s = String::new();
                let _ = Self::write_pairs(&mine, &mut s);
                out.push((name, s));
            }
        }
        out
    }

    /// JSON mode: one object with the same keys and encoded values (booleans as `true`).
    pub fn to_json(&self) -> String {
        let mut s = String::from("{");
        for (i, (k, v, _)) in self.pairs().iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "\"{k}\":");
            match v {
                Value::Flag => s.push_str("true"),
                Value::Int(n) => {
                    let _ = write!(s, "{n}");
                }
                Value::Dec(d) => s.push_str(&format_decimal(*d)),
                Value::Token(t) | Value::Str(t) => {
                    // Invariant: a string serializes.
                    s.push_str(&serde_json::to_string(t).expect("serializable string"));
                }
            }
        }
        s.push('}');
        s
    }
}

impl fmt::Display for Cmcd {
    /// The payload: `key=value` pairs, comma-separated, alphabetical.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::write_pairs(&self.pairs(), f)
    }
}

fn sf_token(c: char) -> &'static str {
    match c {
        'h' => "h",
        'd' => "d",
        's' => "s",
        _ => "o",
    }
}

fn st_token(c: char) -> &'static str {
    match c {
        'l' => "l",
        _ => "v",
    }
}

/// A decimal with at most three fractional digits and no trailing zeros (`1.25`, `2`).
/// `d` is a playback rate (finite, 0 to 16: the input gate checked it); anything else
/// writes 0.
fn format_decimal(d: f64) -> String {
    let thousandths = (d * 1000.0).round();
    let n = if thousandths.is_finite() && thousandths > 0.0 {
        thousandths as u64
    } else {
        0
    };
    let s = crate::units::Fixed::new(n, 1000, 3).to_string();
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Cmcd {
        Cmcd {
            br: Some(3200),
            bl: Some(21_349),
            bs: true,
            cid: Some("faec5fc2-ac30-11ea-bb37-0242ac130002".into()),
            d: Some(4004),
            dl: Some(18_550),
            mtp: Some(48_123),
            nor: Some("..%2F300kbps%2Fsegment35.m4v".into()),
            nrr: Some("12323-48763".into()),
            ot: Some(CmcdObject::Video),
            pr: Some(1.08),
            rtp: Some(12_049),
            sf: Some('d'),
            sid: Some("6e2fb550-c457-11e9-bb97-0800200c9a66".into()),
            st: Some('v'),
            su: true,
            tb: Some(6000),
            v: None,
            ltc: Some(3000),
            sn: Some(7),
            sta: Some(CmcdState::Playing),
        }
    }

    /// Worked by hand from the rules: sorted keys, rounding of bl/dl/mtp/rtp, bare flags,
    /// quoted strings, bare tokens, `pr` with its decimal, v1 leaves out the v2 keys.
    #[test]
    fn payload_follows_the_encoding_rules() {
        assert_eq!(
            full().to_string(),
            "bl=21300,br=3200,bs,cid=\"faec5fc2-ac30-11ea-bb37-0242ac130002\",d=4004,dl=18600,\
             mtp=48100,nor=\"..%2F300kbps%2Fsegment35.m4v\",nrr=\"12323-48763\",ot=v,pr=1.08,\
             rtp=12000,sf=d,sid=\"6e2fb550-c457-11e9-bb97-0800200c9a66\",st=v,su,tb=6000"
        );
        let mut c = Cmcd {
            pr: Some(1.0),
            su: false,
            bs: false,
            sid: Some("a\"b\\c".into()),
            ..Cmcd::default()
        };
        assert_eq!(c.to_string(), r#"sid="a\"b\\c""#);
        c.sid = None;
        assert_eq!(c.to_string(), "");
        assert_eq!(c.to_query(), "");
    }

    #[test]
    fn headers_split_by_shard() {
        let h = full().to_headers();
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("CMCD-Object"), Some("br=3200,d=4004,ot=v,tb=6000"));
        assert_eq!(
            get("CMCD-Request"),
            Some(
                "bl=21300,dl=18600,mtp=48100,nor=\"..%2F300kbps%2Fsegment35.m4v\",nrr=\"12323-48763\",su"
            )
        );
        assert_eq!(
            get("CMCD-Session"),
            Some(
                "cid=\"faec5fc2-ac30-11ea-bb37-0242ac130002\",pr=1.08,sf=d,sid=\"6e2fb550-c457-11e9-bb97-0800200c9a66\",st=v"
            )
        );
        assert_eq!(get("CMCD-Status"), Some("bs,rtp=12000"));
    }

    #[test]
    fn version_two_and_json() {
        let mut c = full();
        c.v = Some(2);
        let s = c.to_string();
        assert!(s.contains("ltc=3000") && s.contains("sn=7") && s.contains("sta=p"));
        assert!(s.ends_with(",v=2"));
        assert!(!s.contains("nrr"), "v2 moves nrr into nor's parameters");
        let j: serde_json::Value = serde_json::from_str(&full().to_json()).unwrap();
        assert_eq!(j["bl"], 21300);
        assert_eq!(j["bs"], true);
        assert_eq!(j["ot"], "v");
        assert_eq!(j["pr"], 1.08);
        assert!(j.get("v").is_none());
    }

    #[test]
    fn query_is_percent_encoded() {
        let c = Cmcd {
            ot: Some(CmcdObject::Muxed),
            sid: Some("x y".into()),
            ..Cmcd::default()
        };
        assert_eq!(c.to_query(), "CMCD=ot%3Dav%2Csid%3D%22x%20y%22");
    }
}
