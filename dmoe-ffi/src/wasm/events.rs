//! One method per event. Times and media durations are milliseconds; bitrates bits per
//! second; sizes bytes.

use dmoe_core::agent::{
    Event, Failure, HostInit, HostRendition, HostSegment, ObjectKind, RequestId,
};
use dmoe_core::{ByteRange, Limits, MediaType, PlaybackState, RenditionId};
use wasm_bindgen::prelude::*;

use super::{DmoeAgent, count, invalid, ms, opt_ms};

/// A byte range from its first byte and its length, both given or both absent.
fn byte_range(start: Option<f64>, length: Option<f64>) -> Result<Option<ByteRange>, JsValue> {
    match (start, length) {
        (None, None) => Ok(None),
        (Some(s), Some(l)) => Ok(Some(ByteRange {
            start: count(s, "byte range start")?,
            length: count(l, "byte range length")?,
        })),
        _ => Err(invalid("a byte range needs both its start and its length")),
    }
}

fn request_id(id: f64) -> Result<RequestId, JsValue> {
    count(id, "a request id").map(RequestId)
}

fn failure_of(kind: &str, status: Option<u16>) -> Result<Failure, JsValue> {
    match (kind, status) {
        ("http", Some(status)) => Ok(Failure::Http { status }),
        ("http", None) => Err(invalid("an http failure needs its status")),
        ("timeout", _) => Ok(Failure::Timeout),
        ("connection", _) => Ok(Failure::Connection),
        _ => Err(invalid(
            "failure is \"http\", \"timeout\" or \"connection\"",
        )),
    }
}

fn media_of(name: &str) -> Result<MediaType, JsValue> {
    match name {
        "video" => Ok(MediaType::Video),
        "audio" => Ok(MediaType::Audio),
        "subtitles" => Ok(MediaType::Subtitles),
        _ => Err(invalid("media is \"video\", \"audio\" or \"subtitles\"")),
    }
}

fn state_of(name: &str) -> Result<PlaybackState, JsValue> {
    Ok(match name {
        "starting" => PlaybackState::Starting,
        "playing" => PlaybackState::Playing,
        "paused" => PlaybackState::Paused,
        "seeking" => PlaybackState::Seeking,
        "stalled" => PlaybackState::Stalled,
        "ended" => PlaybackState::Ended,
        _ => return Err(invalid("unknown playback state")),
    })
}

#[wasm_bindgen]
impl DmoeAgent {
    /// The manifest was loaded from `url` (after redirects). The npm package's build has no
    /// manifest parser: this throws `unsupported` there (hand the ladder over with
    /// `addRendition` / `ladderLoaded` instead).
    #[wasm_bindgen(js_name = manifestLoaded)]
    pub fn manifest_loaded(&mut self, now_ms: f64, url: &str, body: &str) -> Result<(), JsValue> {
        self.feed_at(
            now_ms,
            Event::ManifestLoaded {
                url: url.into(),
                body: body.into(),
            },
        )
    }

    /// One rendition of a ladder the player parsed itself (hls.js's `levels`, dash.js's
    /// and Shaka's variants), in order: rendition `i` is the `i`-th added. `ladderLoaded`
    /// hands the ladder over. Bitrates are bits per second; `url` is the rendition's
    /// absolute media playlist URL (`""` when there is none); `pathway` the CDN serving it.
    #[wasm_bindgen(js_name = addRendition)]
    #[allow(clippy::too_many_arguments)]
    pub fn add_rendition(
        &mut self,
        bandwidth_bps: f64,
        average_bandwidth_bps: Option<f64>,
        width: Option<u32>,
        height: Option<u32>,
        frame_rate: Option<f64>,
        codecs: Option<String>,
        url: &str,
        pathway: Option<String>,
    ) -> Result<(), JsValue> {
        if self.ladder.len() >= Limits::default().max_renditions {
            return Err(invalid("too many renditions"));
        }
        self.ladder.push(HostRendition {
            bandwidth_bps: count(bandwidth_bps, "bandwidth_bps")?,
            average_bandwidth_bps: average_bandwidth_bps
                .map(|b| count(b, "average_bandwidth_bps"))
                .transpose()?,
            width,
            height,
            frame_rate: frame_rate.filter(|f| f.is_finite() && *f > 0.0),
            codecs,
            url: url.into(),
            pathway,
        });
        Ok(())
    }

    /// The renditions added since the last call are the presentation (the manifest at `url`
    /// was parsed by the player): as `manifestLoaded`, without the text. An advisor takes
    /// its ladder this way.
    #[wasm_bindgen(js_name = ladderLoaded)]
    pub fn ladder_loaded(&mut self, now_ms: f64, url: &str) -> Result<(), JsValue> {
        let renditions = std::mem::take(&mut self.ladder);
        self.feed_at(
            now_ms,
            Event::LadderLoaded {
                url: url.into(),
                renditions,
            },
        )
    }

    /// An initialization section of the segment list being handed over; segments refer
    /// to it by its index (0 for the first added). `start` / `length`: its byte range.
    #[wasm_bindgen(js_name = addInit)]
    pub fn add_init(
        &mut self,
        url: &str,
        start: Option<f64>,
        length: Option<f64>,
    ) -> Result<(), JsValue> {
        if self.segments.inits.len() >= Limits::default().max_list_items {
            return Err(invalid("too many init sections"));
        }
        let byte_range = byte_range(start, length)?;
        self.segments.inits.push(HostInit {
            url: url.into(),
            byte_range,
        });
        Ok(())
    }

    /// A segment of the list being handed over: its sequence number, media start and
    /// duration in ms, absolute URL, byte range (`start`, `length`), and init section index.
    #[wasm_bindgen(js_name = addSegment)]
    #[allow(clippy::too_many_arguments)]
    pub fn add_segment(
        &mut self,
        number: f64,
        start_ms: f64,
        duration_ms: f64,
        url: &str,
        start: Option<f64>,
        length: Option<f64>,
        init: Option<u32>,
    ) -> Result<(), JsValue> {
        if self.segments.segments.len() as u64 >= Limits::default().max_segments_per_rendition {
            return Err(invalid("too many segments"));
        }
        let segment = HostSegment {
            number: count(number, "segment number")?,
            start: ms(start_ms, "segment start")?,
            duration: ms(duration_ms, "segment duration")?,
            url: url.into(),
            byte_range: byte_range(start, length)?,
            init,
        };
        self.segments.segments.push(segment);
        Ok(())
    }

    /// The inits and segments added since the last call are `rendition`'s list (its media
    /// playlist, loaded or refreshed, parsed by the player): as `playlistLoaded`, without
    /// the text. `ended`: no segment will be added (VOD).
    #[wasm_bindgen(js_name = segmentsLoaded)]
    pub fn segments_loaded(
        &mut self,
        now_ms: f64,
        rendition: u32,
        ended: bool,
        target_duration_ms: Option<f64>,
    ) -> Result<(), JsValue> {
        let mut segments = std::mem::take(&mut self.segments);
        segments.ended = ended;
        segments.target_duration = opt_ms(target_duration_ms, "target duration")?;
        self.feed_at(
            now_ms,
            Event::SegmentsLoaded {
                rendition: RenditionId(rendition),
                segments,
            },
        )
    }

    /// The media playlist of `rendition` (asked for with a `load_playlist` output) was
    /// loaded; `unsupported` in the npm package's build (use `addSegment` /
    /// `segmentsLoaded`).
    #[wasm_bindgen(js_name = playlistLoaded)]
    pub fn playlist_loaded(
        &mut self,
        now_ms: f64,
        rendition: u32,
        body: &str,
    ) -> Result<(), JsValue> {
        self.feed_at(
            now_ms,
            Event::PlaylistLoaded {
                rendition: RenditionId(rendition),
                body: body.into(),
            },
        )
    }

    /// A playlist request failed; `rendition` is `undefined` for the manifest. `failure` is
    /// `"http"` (with `status`), `"timeout"` or `"connection"`.
    #[wasm_bindgen(js_name = playlistFailed)]
    pub fn playlist_failed(
        &mut self,
        now_ms: f64,
        rendition: Option<u32>,
        failure: &str,
        status: Option<u16>,
    ) -> Result<(), JsValue> {
        let failure = failure_of(failure, status)?;
        self.feed_at(
            now_ms,
            Event::PlaylistFailed {
                rendition: rendition.map(RenditionId),
                failure,
            },
        )
    }

    /// The steering server answered with `status` (and `Retry-After` in ms, for a 429).
    #[wasm_bindgen(js_name = steeringLoaded)]
    pub fn steering_loaded(
        &mut self,
        now_ms: f64,
        status: u16,
        retry_after_ms: Option<f64>,
        body: &str,
    ) -> Result<(), JsValue> {
        let retry_after = opt_ms(retry_after_ms, "retry-after")?;
        self.feed_at(
            now_ms,
            Event::SteeringLoaded {
                status,
                retry_after,
                body: body.into(),
            },
        )
    }

    /// The steering request got no answer.
    #[wasm_bindgen(js_name = steeringFailed)]
    pub fn steering_failed(&mut self, now_ms: f64) -> Result<(), JsValue> {
        self.feed_at(now_ms, Event::SteeringFailed)
    }

    /// The request `id` (from a `fetch` output) was sent.
    #[wasm_bindgen(js_name = requestStarted)]
    pub fn request_started(&mut self, now_ms: f64, id: f64) -> Result<(), JsValue> {
        let id = request_id(id)?;
        self.feed_at(now_ms, Event::RequestStarted { id })
    }

    /// Bytes of a response received so far.
    #[wasm_bindgen(js_name = requestProgress)]
    pub fn request_progress(&mut self, now_ms: f64, id: f64, bytes: f64) -> Result<(), JsValue> {
        let id = request_id(id)?;
        let bytes = count(bytes, "bytes")?;
        self.feed_at(now_ms, Event::RequestProgress { id, bytes })
    }

    /// A response is complete: its size, the time to its first byte in ms, and the
    /// `CMSD-Static` / `CMSD-Dynamic` header values when the server sent them.
    #[wasm_bindgen(js_name = requestCompleted)]
    pub fn request_completed(
        &mut self,
        now_ms: f64,
        id: f64,
        bytes: f64,
        ttfb_ms: f64,
        cmsd_static: Option<String>,
        cmsd_dynamic: Option<String>,
    ) -> Result<(), JsValue> {
        let id = request_id(id)?;
        let bytes = count(bytes, "bytes")?;
        let ttfb = ms(ttfb_ms, "ttfb")?;
        self.feed_at(
            now_ms,
            Event::RequestCompleted {
                id,
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            },
        )
    }

    /// A request failed: `failure` is `"http"` (with `status`), `"timeout"` or `"connection"`.
    #[wasm_bindgen(js_name = requestFailed)]
    pub fn request_failed(
        &mut self,
        now_ms: f64,
        id: f64,
        failure: &str,
        status: Option<u16>,
    ) -> Result<(), JsValue> {
        let id = request_id(id)?;
        let failure = failure_of(failure, status)?;
        self.feed_at(now_ms, Event::RequestFailed { id, failure })
    }

    /// The player dropped the request itself (a seek, a switch it forced, a stop): not a
    /// failure, nothing is retried; late reports of `id` are ignored.
    #[wasm_bindgen(js_name = requestCancelled)]
    pub fn request_cancelled(&mut self, now_ms: f64, id: f64) -> Result<(), JsValue> {
        let id = request_id(id)?;
        self.feed_at(now_ms, Event::RequestCancelled { id })
    }

    /// Media buffered ahead of the play head, in ms; `media` is `"video"` (the default),
    /// `"audio"` or `"subtitles"`.
    #[wasm_bindgen(js_name = buffer)]
    pub fn buffer(
        &mut self,
        now_ms: f64,
        level_ms: f64,
        media: Option<String>,
    ) -> Result<(), JsValue> {
        let media = media_of(media.as_deref().unwrap_or("video"))?;
        let level = ms(level_ms, "buffer level")?;
        self.feed_at(now_ms, Event::Buffer { media, level })
    }

    /// The player's state (`"starting"`, `"playing"`, `"paused"`, `"seeking"`, `"stalled"`,
    /// `"ended"`) and playback rate (0 to 16).
    #[wasm_bindgen(js_name = playback)]
    pub fn playback(&mut self, now_ms: f64, state: &str, rate: f64) -> Result<(), JsValue> {
        let state = state_of(state)?;
        self.feed_at(now_ms, Event::Playback { state, rate })
    }

    /// The play head, in ms of media time, and the latency to the live edge in ms.
    #[wasm_bindgen(js_name = position)]
    pub fn position(
        &mut self,
        now_ms: f64,
        position_ms: f64,
        latency_ms: Option<f64>,
    ) -> Result<(), JsValue> {
        let position = ms(position_ms, "position")?;
        let latency = opt_ms(latency_ms, "latency")?;
        self.feed_at(now_ms, Event::Position { position, latency })
    }

    /// The user sought to `position_ms`: the buffer is flushed.
    #[wasm_bindgen(js_name = seek)]
    pub fn seek(&mut self, now_ms: f64, position_ms: f64) -> Result<(), JsValue> {
        let position = ms(position_ms, "position")?;
        self.feed_at(now_ms, Event::Seek { position })
    }

    /// Frame counters since the start of the session.
    #[wasm_bindgen(js_name = frames)]
    pub fn frames(&mut self, now_ms: f64, dropped: f64, total: f64) -> Result<(), JsValue> {
        let dropped = count(dropped, "dropped frames")?;
        let total = count(total, "total frames")?;
        self.feed_at(now_ms, Event::Frames { dropped, total })
    }

    /// The tallest picture and the highest bitrate (bits per second) worth fetching
    /// (`undefined`: no limit).
    #[wasm_bindgen(js_name = viewport)]
    pub fn viewport(
        &mut self,
        now_ms: f64,
        max_height: Option<u32>,
        max_bitrate_bps: Option<f64>,
    ) -> Result<(), JsValue> {
        let max_bitrate_bps = max_bitrate_bps
            .map(|b| count(b, "max_bitrate_bps"))
            .transpose()?;
        self.feed_at(
            now_ms,
            Event::Viewport {
                max_height,
                max_bitrate_bps,
            },
        )
    }

    /// Advisor: the player sent a request it chose itself, under its own `id`; report its
    /// outcome with `requestProgress` / `requestCompleted` / `requestFailed` /
    /// `requestCancelled` under the same id. `kind` is `"init"` or `"media"`.
    #[wasm_bindgen(js_name = transferStarted)]
    pub fn transfer_started(
        &mut self,
        now_ms: f64,
        id: f64,
        rendition: Option<u32>,
        kind: &str,
        duration_ms: Option<f64>,
        pathway: Option<String>,
    ) -> Result<(), JsValue> {
        let id = request_id(id)?;
        let kind = match kind {
            "init" => ObjectKind::Init,
            "media" => ObjectKind::Media,
            _ => return Err(invalid("kind is \"init\" or \"media\"")),
        };
        let duration = opt_ms(duration_ms, "duration")?;
        self.feed_at(
            now_ms,
            Event::TransferStarted {
                id,
                rendition: rendition.map(RenditionId),
                kind,
                duration,
                pathway,
            },
        )
    }

    /// Advisor: the player is about to request its next media segment; the answer is an
    /// `advice` output. `sizes`: the segment's size in bytes per ladder entry when the
    /// player knows them (0 entries unknown); `remaining`: segments left in a VOD.
    #[wasm_bindgen(js_name = adviceWanted)]
    pub fn advice_wanted(
        &mut self,
        now_ms: f64,
        segment_duration_ms: Option<f64>,
        sizes: Option<Vec<f64>>,
        remaining: Option<u32>,
    ) -> Result<(), JsValue> {
        let segment_duration = opt_ms(segment_duration_ms, "segment duration")?;
        let sizes = sizes
            .unwrap_or_default()
            .into_iter()
            .map(|s| count(s, "a segment size"))
            .collect::<Result<Vec<u64>, _>>()?;
        self.feed_at(
            now_ms,
            Event::AdviceWanted {
                segment_duration,
                sizes,
                remaining,
            },
        )
    }

    /// Time passed (the answer to a `timeout` output).
    #[wasm_bindgen(js_name = tick)]
    pub fn tick(&mut self, now_ms: f64) -> Result<(), JsValue> {
        self.feed_at(now_ms, Event::Tick)
    }
}
