//! The agent for JavaScript (wasm-bindgen; compiled only for wasm32).
//!
//! One typed method per [`Event`]: timestamps are milliseconds as `f64` (from
//! `performance.now()`), media durations are seconds (as `HTMLMediaElement` gives them),
//! network times are milliseconds. Decisions come out as the same JSON objects as the Rust
//! `Output` and the C ABI's. Errors are thrown as JS `Error`s with a `code`
//! (`invalid_input`, `invalid_manifest`, `invalid_config`, `misuse`, `unsupported`,
//! `panic`). In a build with unwinding a panic is caught, reported as `code: "panic"`, and
//! the agent refuses further calls; the npm package's size build aborts on a panic instead,
//! which JS sees as a `WebAssembly.RuntimeError`: the package's wrapper (`bindings/js/src`)
//! turns that into the same `code: "panic"` error and retires the instance.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use dmoe_core::agent::{
    Agent, AgentError, Config, ConfigValue, EdgeEntry, Event, Failure, HostInit, HostRendition,
    HostSegment, HostSegments, Input, Output, RequestId,
};
use dmoe_core::{
    ByteRange, Limits, ManifestError, MediaType, PlaybackState, RenditionId, Timestamp,
};
use wasm_bindgen::prelude::*;

fn js_error(code: &str, message: &str) -> JsValue {
    let e = js_sys_error(message);
    // Setting a property on an Error object cannot fail for a plain string key.
    let _ = js_set(&e, "code", &JsValue::from_str(code));
    e
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Error)]
    fn js_sys_error(message: &str) -> JsValue;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set, catch)]
    fn js_set(target: &JsValue, key: &str, value: &JsValue) -> Result<bool, JsValue>;
}

fn code_of(e: &AgentError) -> &'static str {
    match e {
        AgentError::OutputNotDrained
        | AgentError::TimeWentBackwards { .. }
        | AgentError::UnknownRequest(_)
        | AgentError::UnknownRendition(_) => "misuse",
        AgentError::Manifest(ManifestError::FormatNotBuilt { .. }) => "unsupported",
        AgentError::Manifest(_) => "invalid_manifest",
        AgentError::NothingToPlay => "unsupported",
        _ => "invalid_input",
    }
}

fn ts(ms: f64) -> Result<Timestamp, JsValue> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(Timestamp::from_micros((ms * 1000.0).round() as u64))
    } else {
        Err(invalid("time must be a finite, non-negative number of ms"))
    }
}

fn invalid(what: &str) -> JsValue {
    js_error("invalid_input", what)
}

/// Seconds as a duration: finite and non-negative.
fn secs(s: f64, what: &str) -> Result<Duration, JsValue> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| invalid(&format!("{what} must be a finite, non-negative number")))
}

/// A whole count (bytes, frames, kbps): finite and non-negative.
fn count(n: f64, what: &str) -> Result<u64, JsValue> {
    if n.is_finite() && n >= 0.0 {
        Ok(n as u64)
    } else {
        Err(invalid(&format!(
            "{what} must be a finite, non-negative number"
        )))
    }
}

/// A byte range from an offset and a length, both given or both absent.
fn byte_range(offset: Option<f64>, length: Option<f64>) -> Result<Option<ByteRange>, JsValue> {
    match (offset, length) {
        (None, None) => Ok(None),
        (Some(o), Some(l)) => Ok(Some(ByteRange {
            start: count(o, "byte range offset")?,
            length: count(l, "byte range length")?,
        })),
        _ => Err(invalid("a byte range needs both its offset and its length")),
    }
}

fn request_id(id: f64) -> Result<RequestId, JsValue> {
    if id.is_finite() && id >= 0.0 && id.fract() == 0.0 {
        Ok(RequestId(id as u64))
    } else {
        Err(invalid("a request id is a non-negative integer"))
    }
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

/// An agent's settings, given one by one (the package's `createAgent` walks a config
/// object into these calls): the keys and units of the Rust `Config`'s JSON.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct DmoeConfig {
    cfg: Config,
}

#[wasm_bindgen]
impl DmoeConfig {
    /// The defaults.
    #[wasm_bindgen(constructor)]
    pub fn new() -> DmoeConfig {
        Self::default()
    }

    /// One setting by its key, nested keys dotted (`"max_buffer"`, `"cmcd.mode"`): a
    /// string, number (durations in seconds), boolean, or `null` to unset.
    pub fn set(&mut self, key: &str, value: JsValue) -> Result<(), JsValue> {
        let value = if value.is_null() || value.is_undefined() {
            ConfigValue::Null
        } else if let Some(b) = value.as_bool() {
            ConfigValue::Bool(b)
        } else if let Some(n) = value.as_f64() {
            ConfigValue::Number(n)
        } else if let Some(s) = value.as_string() {
            ConfigValue::Text(s)
        } else {
            return Err(js_error(
                "invalid_config",
                "a setting is a string, number, boolean or null",
            ));
        };
        self.cfg
            .set(key, value)
            .map_err(|e| js_error("invalid_config", &e.to_string()))
    }

    /// One more edge (an entry of `edges`); `weight` defaults to 1.
    #[wasm_bindgen(js_name = addEdge)]
    pub fn add_edge(
        &mut self,
        pathway: &str,
        host: Option<String>,
        region: Option<String>,
        weight: Option<f64>,
    ) {
        self.cfg.edges.push(EdgeEntry {
            pathway: pathway.into(),
            host,
            region,
            weight: weight.unwrap_or(1.0),
        });
    }
}

/// A playback session's decision engine.
#[wasm_bindgen]
#[derive(Debug)]
pub struct DmoeAgent {
    agent: Agent,
    slot: Option<Output>,
    poisoned: bool,
    /// The ladder being handed over (`addRendition` ... `ladderLoaded`).
    ladder: Vec<HostRendition>,
    /// The segment list being handed over (`addInit` / `addSegment` ... `segmentsLoaded`).
    segments: HostSegments,
}

impl DmoeAgent {
    fn guarded<T>(
        &mut self,
        f: impl FnOnce(&mut Agent) -> Result<T, JsValue>,
    ) -> Result<T, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the agent is poisoned by an earlier panic",
            ));
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.agent))) {
            Ok(r) => r,
            Err(_) => {
                self.poisoned = true;
                Err(js_error("panic", "internal error caught at the boundary"))
            }
        }
    }

    fn feed_at(&mut self, now_ms: f64, event: Event) -> Result<(), JsValue> {
        let at = ts(now_ms)?;
        self.feed(Input::new(at, event))
    }

    fn feed(&mut self, input: Input) -> Result<(), JsValue> {
        self.guarded(|a| {
            a.handle_input(input)
                .map_err(|e| js_error(code_of(&e), &e.to_string()))
        })
    }
}

#[wasm_bindgen]
impl DmoeAgent {
    /// An agent with these settings (checked here).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &DmoeConfig) -> Result<DmoeAgent, JsValue> {
        let agent = dmoe_abr::agent(config.cfg.clone())
            .map_err(|e| js_error("invalid_config", &e.to_string()))?;
        Ok(Self {
            agent,
            slot: None,
            poisoned: false,
            ladder: Vec::new(),
            segments: HostSegments::default(),
        })
    }

    /// The settings in force, as JSON (the Rust `Config`'s serialisation).
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> Result<String, JsValue> {
        serde_json::to_string(self.agent.config()).map_err(|e| js_error("panic", &e.to_string()))
    }

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

    /// One rendition of a ladder the player parsed itself (hls.js's `levels`), in order:
    /// rendition `i` is the `i`-th added. `ladderLoaded` hands the ladder over. Bitrates are
    /// bits per second; `url` is the rendition's absolute media playlist URL.
    #[wasm_bindgen(js_name = addRendition)]
    #[allow(clippy::too_many_arguments)]
    pub fn add_rendition(
        &mut self,
        bandwidth: f64,
        average_bandwidth: Option<f64>,
        width: Option<u32>,
        height: Option<u32>,
        frame_rate: Option<f64>,
        codecs: Option<String>,
        url: &str,
    ) -> Result<(), JsValue> {
        if self.ladder.len() >= Limits::default().max_renditions {
            return Err(invalid("too many renditions"));
        }
        self.ladder.push(HostRendition {
            bandwidth: count(bandwidth, "bandwidth")?,
            average_bandwidth: average_bandwidth
                .map(|b| count(b, "average bandwidth"))
                .transpose()?,
            width,
            height,
            frame_rate: frame_rate.filter(|f| f.is_finite() && *f > 0.0),
            codecs,
            url: url.into(),
        });
        Ok(())
    }

    /// The renditions added since the last call are the presentation (the manifest at `url`
    /// was parsed by the player): as `manifestLoaded`, without the text.
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
    /// to it by its index (0 for the first added).
    #[wasm_bindgen(js_name = addInit)]
    pub fn add_init(
        &mut self,
        url: &str,
        offset: Option<f64>,
        length: Option<f64>,
    ) -> Result<(), JsValue> {
        if self.segments.inits.len() >= Limits::default().max_list_items {
            return Err(invalid("too many init sections"));
        }
        let byte_range = byte_range(offset, length)?;
        self.segments.inits.push(HostInit {
            url: url.into(),
            byte_range,
        });
        Ok(())
    }

    /// A segment of the list being handed over: its sequence number, start and duration in
    /// seconds, absolute URL, byte range, and init section index.
    #[wasm_bindgen(js_name = addSegment)]
    #[allow(clippy::too_many_arguments)]
    pub fn add_segment(
        &mut self,
        number: f64,
        start_s: f64,
        duration_s: f64,
        url: &str,
        offset: Option<f64>,
        length: Option<f64>,
        init: Option<u32>,
    ) -> Result<(), JsValue> {
        if self.segments.segments.len() as u64 >= Limits::default().max_segments_per_rendition {
            return Err(invalid("too many segments"));
        }
        let segment = HostSegment {
            number: count(number, "segment number")?,
            start: secs(start_s, "segment start")?,
            duration: secs(duration_s, "segment duration")?,
            url: url.into(),
            byte_range: byte_range(offset, length)?,
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
        target_duration_s: Option<f64>,
    ) -> Result<(), JsValue> {
        let mut segments = std::mem::take(&mut self.segments);
        segments.ended = ended;
        segments.target_duration = target_duration_s
            .map(|s| secs(s, "target duration"))
            .transpose()?;
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

    /// The steering server answered with `status` (and `Retry-After`, in seconds, for a 429).
    #[wasm_bindgen(js_name = steeringLoaded)]
    pub fn steering_loaded(
        &mut self,
        now_ms: f64,
        status: u16,
        retry_after_s: Option<f64>,
        body: &str,
    ) -> Result<(), JsValue> {
        let retry_after = retry_after_s.map(|s| secs(s, "retry-after")).transpose()?;
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
        let ttfb = secs(ttfb_ms / 1000.0, "ttfb")?;
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

    /// Media buffered ahead of the play head, in seconds (as `video.buffered` gives it);
    /// `media` is `"video"` (the default) or `"audio"`.
    #[wasm_bindgen(js_name = buffer)]
    pub fn buffer(
        &mut self,
        now_ms: f64,
        level_s: f64,
        media: Option<String>,
    ) -> Result<(), JsValue> {
        let media = media_of(media.as_deref().unwrap_or("video"))?;
        let level = secs(level_s, "buffer level")?;
        self.feed_at(now_ms, Event::Buffer { media, level })
    }

    /// The player's state (`"starting"`, `"playing"`, `"paused"`, `"seeking"`, `"stalled"`,
    /// `"ended"`) and playback rate.
    #[wasm_bindgen(js_name = playback)]
    pub fn playback(&mut self, now_ms: f64, state: &str, rate: f64) -> Result<(), JsValue> {
        let state = state_of(state)?;
        self.feed_at(now_ms, Event::Playback { state, rate })
    }

    /// The play head, in seconds of media time, and the latency to the live edge.
    #[wasm_bindgen(js_name = position)]
    pub fn position(
        &mut self,
        now_ms: f64,
        position_s: f64,
        latency_s: Option<f64>,
    ) -> Result<(), JsValue> {
        let position = secs(position_s, "position")?;
        let latency = latency_s.map(|s| secs(s, "latency")).transpose()?;
        self.feed_at(now_ms, Event::Position { position, latency })
    }

    /// The user sought to `position_s`: the buffer is flushed.
    #[wasm_bindgen(js_name = seek)]
    pub fn seek(&mut self, now_ms: f64, position_s: f64) -> Result<(), JsValue> {
        let position = secs(position_s, "position")?;
        self.feed_at(now_ms, Event::Seek { position })
    }

    /// Frame counters since the start of the session.
    #[wasm_bindgen(js_name = frames)]
    pub fn frames(&mut self, now_ms: f64, dropped: f64, total: f64) -> Result<(), JsValue> {
        let dropped = count(dropped, "dropped frames")?;
        let total = count(total, "total frames")?;
        self.feed_at(now_ms, Event::Frames { dropped, total })
    }

    /// The tallest picture and highest bitrate worth fetching (`undefined`: no limit).
    #[wasm_bindgen(js_name = viewport)]
    pub fn viewport(
        &mut self,
        now_ms: f64,
        max_height: Option<u32>,
        max_bitrate_kbps: Option<f64>,
    ) -> Result<(), JsValue> {
        let max_bitrate_kbps = max_bitrate_kbps
            .map(|b| count(b, "max bitrate"))
            .transpose()?;
        self.feed_at(
            now_ms,
            Event::Viewport {
                max_height,
                max_bitrate_kbps,
            },
        )
    }

    /// Time passed (the answer to a `timeout` output).
    #[wasm_bindgen(js_name = tick)]
    pub fn tick(&mut self, now_ms: f64) -> Result<(), JsValue> {
        self.feed_at(now_ms, Event::Tick)
    }

    /// The next decision as JSON, or `undefined` when none is waiting.
    #[wasm_bindgen(js_name = pollJson)]
    pub fn poll_json(&mut self) -> Result<Option<String>, JsValue> {
        if self.poisoned {
            return Err(js_error(
                "panic",
                "the agent is poisoned by an earlier panic",
            ));
        }
        if !self.agent.poll_output_into(&mut self.slot) {
            return Ok(None);
        }
        serde_json::to_string(&self.slot)
            .map(Some)
            .map_err(|e| js_error("panic", &e.to_string()))
    }

    /// The telemetry report as JSON.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        self.agent.report()
    }
}

/// The library version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
