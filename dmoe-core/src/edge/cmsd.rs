//! Common Media Server Data (CTA-5006): the `CMSD-Static` and `CMSD-Dynamic` response
//! headers an edge sends about itself and the object it served.
//!
//! ```
//! use dmoe_core::edge::{CmsdDynamic, CmsdStatic};
//!
//! let d = CmsdDynamic::parse(r#""edge-7";etp=12000;rtt=18;du, "origin";rd=40"#)?;
//! assert_eq!(d.hops.len(), 2);
//! assert!(d.duress());
//! assert_eq!(d.hops[0].etp_kbps, Some(12000));
//!
//! let s = CmsdStatic::parse("ot=v,sf=h,st=v,d=4000,br=2850,ht=600")?;
//! assert_eq!(s.held_ms, Some(600));
//! # Ok::<(), dmoe_core::edge::CmsdError>(())
//! ```

use thiserror::Error;

use super::sf::{self, BareItem, Member, SfError};

/// Why a CMSD header was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CmsdError {
    /// The value is not a valid structured field.
    #[error("CMSD: {0}")]
    Syntax(#[from] SfError),
    /// A key has a value of the wrong type.
    #[error("CMSD: key `{key}` must be {expected}")]
    WrongType {
        /// The key.
        key: String,
        /// What CTA-5006 says it is.
        expected: &'static str,
    },
    /// A number is negative where CTA-5006 allows only non-negative values.
    #[error("CMSD: key `{key}` must not be negative")]
    Negative {
        /// The key.
        key: String,
    },
    /// A `CMSD-Dynamic` list member is an inner list instead of a server identifier.
    #[error("CMSD-Dynamic: member {index} must be a server identifier (string or token)")]
    NotAServer {
        /// 0-based member index.
        index: usize,
    },
}

/// Object type (`ot`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ObjectType {
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
    /// `tt`: timed text.
    TimedText,
    /// `k`: key or licence.
    Key,
    /// `o`: other, or a token this version does not know.
    Other(String),
}

impl ObjectType {
    fn from_token(t: &str) -> Self {
        match t {
            "m" => Self::Manifest,
            "a" => Self::Audio,
            "v" => Self::Video,
            "av" => Self::Muxed,
            "i" => Self::Init,
            "c" => Self::Caption,
            "tt" => Self::TimedText,
            "k" => Self::Key,
            o => Self::Other(o.to_owned()),
        }
    }
}

/// `CMSD-Static`: facts about the object, fixed when it was made.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CmsdStatic {
    /// `at`: availability time, milliseconds since the Unix epoch.
    pub availability_ms: Option<i64>,
    /// `br`: encoded bitrate, kbps.
    pub bitrate_kbps: Option<u64>,
    /// `d`: object duration, milliseconds.
    pub duration_ms: Option<u64>,
    /// `ht`: time the server held the request before answering (LL-HLS blocking), ms.
    pub held_ms: Option<u64>,
    /// `n`: identifier of the intermediary that wrote the header.
    pub intermediary: Option<String>,
    /// `nor`: next object to request, relative URL.
    pub next_object: Option<String>,
    /// `nrr`: next range to request.
    pub next_range: Option<String>,
    /// `ot`: object type.
    pub object_type: Option<ObjectType>,
    /// `sf`: streaming format token (`d` DASH, `h` HLS, `s` Smooth, `o` other).
    pub streaming_format: Option<String>,
    /// `st`: stream type token (`v` VOD, `l` live).
    pub stream_type: Option<String>,
    /// `su`: startup — the object is needed urgently.
    pub startup: bool,
    /// `v`: CMSD version.
    pub version: Option<i64>,
    /// Keys this version does not know, kept as written.
    pub other: Vec<(String, String)>,
}

/// One hop of `CMSD-Dynamic`: what a server on the path says about its current state.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CmsdHop {
    /// The server's identifier (the list item).
    pub server: String,
    /// `du`: the server is in duress — clients should move away.
    pub duress: bool,
    /// `etp`: the server's estimate of throughput to this client, kbps.
    pub etp_kbps: Option<u64>,
    /// `mb`: maximum suggested bitrate, kbps.
    pub max_bitrate_kbps: Option<u64>,
    /// `rd`: response delay, milliseconds.
    pub response_delay_ms: Option<u64>,
    /// `rtt`: round-trip time the server measured, milliseconds.
    pub rtt_ms: Option<u64>,
    /// Parameters this version does not know, kept as written.
    pub other: Vec<(String, String)>,
}

/// `CMSD-Dynamic`: one entry per server on the path, nearest to the client last.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CmsdDynamic {
    /// The hops, in header order.
    pub hops: Vec<CmsdHop>,
}

fn text_of(v: &BareItem) -> String {
    match v {
        BareItem::Integer(i) => i.to_string(),
        BareItem::Decimal(d) => d.to_string(),
        BareItem::String(s) | BareItem::Token(s) => s.clone(),
        BareItem::ByteSequence(b) => format!("{} bytes", b.len()),
        BareItem::Boolean(b) => if *b { "?1" } else { "?0" }.to_owned(),
    }
}

fn non_negative(key: &str, v: &BareItem) -> Result<u64, CmsdError> {
    let i = v.as_integer().ok_or_else(|| CmsdError::WrongType {
        key: key.to_owned(),
        expected: "an integer",
    })?;
    u64::try_from(i).map_err(|_| CmsdError::Negative {
        key: key.to_owned(),
    })
}

fn boolean(key: &str, v: &BareItem) -> Result<bool, CmsdError> {
    v.as_bool().ok_or_else(|| CmsdError::WrongType {
        key: key.to_owned(),
        expected: "a boolean",
    })
}

fn string(key: &str, v: &BareItem) -> Result<String, CmsdError> {
    match v {
        BareItem::String(s) => Ok(s.clone()),
        _ => Err(CmsdError::WrongType {
            key: key.to_owned(),
            expected: "a string",
        }),
    }
}

fn token(key: &str, v: &BareItem) -> Result<String, CmsdError> {
    match v {
        BareItem::Token(s) => Ok(s.clone()),
        _ => Err(CmsdError::WrongType {
            key: key.to_owned(),
            expected: "a token",
        }),
    }
}

impl CmsdStatic {
    /// Parse the value of a `CMSD-Static` header.
    pub fn parse(value: &str) -> Result<Self, CmsdError> {
        let mut out = Self::default();
        for (key, member) in sf::parse_dictionary(value)? {
            let Member::Item(v, _) = &member else {
                // Inner lists are CMSD v2's per-type values: kept, not interpreted.
                out.other.push((key, "(inner list)".to_owned()));
                continue;
            };
            match key.as_str() {
                "at" => {
                    out.availability_ms =
                        Some(v.as_integer().ok_or_else(|| CmsdError::WrongType {
                            key: key.clone(),
                            expected: "an integer",
                        })?)
                }
                "br" => out.bitrate_kbps = Some(non_negative(&key, v)?),
                "d" => out.duration_ms = Some(non_negative(&key, v)?),
                "ht" => out.held_ms = Some(non_negative(&key, v)?),
                "n" => out.intermediary = Some(string(&key, v)?),
                "nor" => out.next_object = Some(string(&key, v)?),
                "nrr" => out.next_range = Some(string(&key, v)?),
                "ot" => out.object_type = Some(ObjectType::from_token(&token(&key, v)?)),
                "sf" => out.streaming_format = Some(token(&key, v)?),
                "st" => out.stream_type = Some(token(&key, v)?),
                "su" => out.startup = boolean(&key, v)?,
                "v" => {
                    out.version = Some(v.as_integer().ok_or_else(|| CmsdError::WrongType {
                        key: key.clone(),
                        expected: "an integer",
                    })?)
                }
                _ => out.other.push((key, text_of(v))),
            }
        }
        Ok(out)
    }
}

impl CmsdDynamic {
    /// Parse the value of a `CMSD-Dynamic` header.
    pub fn parse(value: &str) -> Result<Self, CmsdError> {
        let mut hops = Vec::new();
        for (index, member) in sf::parse_list(value)?.into_iter().enumerate() {
            let Member::Item(id, params) = member else {
                return Err(CmsdError::NotAServer { index });
            };
            let server = id
                .as_text()
                .ok_or(CmsdError::NotAServer { index })?
                .to_owned();
            let mut hop = CmsdHop {
                server,
                ..CmsdHop::default()
            };
            for (key, v) in &params {
                match key.as_str() {
                    "du" => hop.duress = boolean(key, v)?,
                    "etp" => hop.etp_kbps = Some(non_negative(key, v)?),
                    "mb" => hop.max_bitrate_kbps = Some(non_negative(key, v)?),
                    "rd" => hop.response_delay_ms = Some(non_negative(key, v)?),
                    "rtt" => hop.rtt_ms = Some(non_negative(key, v)?),
                    _ => hop.other.push((key.clone(), text_of(v))),
                }
            }
            hops.push(hop);
        }
        Ok(Self { hops })
    }

    /// Whether any hop says it is in duress.
    pub fn duress(&self) -> bool {
        self.hops.iter().any(|h| h.duress)
    }

    /// The tightest `mb` of all hops, kbps.
    pub fn max_bitrate_kbps(&self) -> Option<u64> {
        self.hops.iter().filter_map(|h| h.max_bitrate_kbps).min()
    }

    /// The smallest `etp` of all hops (the path is as fast as its slowest hop), kbps.
    pub fn etp_kbps(&self) -> Option<u64> {
        self.hops.iter().filter_map(|h| h.etp_kbps).min()
    }

    /// The `rtt` of the hop nearest to the client (the last one that has it), ms.
    pub fn rtt_ms(&self) -> Option<u64> {
        self.hops.iter().rev().find_map(|h| h.rtt_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_keys_and_unknowns() {
        let s = CmsdStatic::parse(
            r#"at=1700000000000,br=2850,d=4000,ht=250,n="edge-9",nor="../seg35.m4s",ot=av,sf=d,st=l,su,v=1,zz=7"#,
        )
        .unwrap();
        assert_eq!(s.availability_ms, Some(1_700_000_000_000));
        assert_eq!(s.bitrate_kbps, Some(2850));
        assert_eq!(s.duration_ms, Some(4000));
        assert_eq!(s.held_ms, Some(250));
        assert_eq!(s.intermediary.as_deref(), Some("edge-9"));
        assert_eq!(s.next_object.as_deref(), Some("../seg35.m4s"));
        assert_eq!(s.object_type, Some(ObjectType::Muxed));
        assert_eq!(s.stream_type.as_deref(), Some("l"));
        assert!(s.startup);
        assert_eq!(s.other, vec![("zz".to_owned(), "7".to_owned())]);
    }

    #[test]
    fn dynamic_hops_and_summaries() {
        let d =
            CmsdDynamic::parse(r#""origin";etp=50000;rd=30, "edge";etp=8000;mb=3000;rtt=25;du"#)
                .unwrap();
        assert_eq!(d.hops.len(), 2);
        assert!(d.duress());
        assert_eq!(d.etp_kbps(), Some(8000));
        assert_eq!(d.max_bitrate_kbps(), Some(3000));
        assert_eq!(d.rtt_ms(), Some(25));
        assert_eq!(d.hops[0].response_delay_ms, Some(30));
        assert!(!CmsdDynamic::parse(r#"e;du=?0"#).unwrap().duress());
    }

    #[test]
    fn typed_errors() {
        assert_eq!(
            CmsdDynamic::parse(r#""e";etp="fast""#),
            Err(CmsdError::WrongType {
                key: "etp".into(),
                expected: "an integer"
            })
        );
        assert_eq!(
            CmsdDynamic::parse(r#""e";rtt=-5"#),
            Err(CmsdError::Negative { key: "rtt".into() })
        );
        assert_eq!(
            CmsdDynamic::parse(r#"(a b)"#),
            Err(CmsdError::NotAServer { index: 0 })
        );
        assert!(matches!(
            CmsdStatic::parse("d=4000,,"),
            Err(CmsdError::Syntax(_))
        ));
        assert!(matches!(
            CmsdStatic::parse("su=1"),
            Err(CmsdError::WrongType { .. })
        ));
    }
}
