package io.dmoe

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import io.dmoe.ffi.ByteRange
import io.dmoe.ffi.DmoeException
import io.dmoe.ffi.Event
import io.dmoe.ffi.Failure
import io.dmoe.ffi.HostInit
import io.dmoe.ffi.HostRendition
import io.dmoe.ffi.HostSegment
import io.dmoe.ffi.HostSegments
import io.dmoe.ffi.MediaType
import io.dmoe.ffi.ObjectKind
import io.dmoe.ffi.PlaybackState
import java.io.File
import kotlin.time.Duration
import kotlin.time.Duration.Companion.microseconds

/** The repository root and the decisions dmoe-replay printed (build-native.sh). */
object Paths {
    val root: File = File(System.getProperty("dmoe.root") ?: "../..").canonicalFile
    val expected: File = File(System.getProperty("dmoe.expected") ?: "target/expected")
    fun recording(path: String) = File(root, path)
}

private val mapper = ObjectMapper()

/** A recorded session: how it was opened, and its inputs as (time, event). */
class Recording(val advisor: Boolean, val configJson: String, val inputs: List<Pair<Duration, Event>>) {
    companion object {
        fun read(file: File): Recording {
            val lines = file.readLines().filter { it.isNotBlank() }
            val head = mapper.readTree(lines.first())
            val advisor = head.has("advisor")
            val config = mapper.writeValueAsString(if (advisor) head["advisor"] else head["config"])
            val inputs = lines.drop(1).map { line ->
                val n = mapper.readTree(line)
                ms(n["at_ms"]) to event(n)
            }
            return Recording(advisor, config, inputs)
        }
    }

    /** Replays every input through [s]: each decision as JSON, each refusal as {"error"}. */
    fun replay(s: DmoeSession): List<String> {
        val out = ArrayList<String>()
        for ((at, event) in inputs) {
            try {
                s.handle(at, event)
            } catch (e: DmoeException) {
                out += mapper.writeValueAsString(mapOf("error" to e.message))
            }
            s.drain().forEach { out += it.toJson() }
        }
        return out
    }

    fun open(): DmoeSession = if (advisor) DmoeSession.advisor(configJson) else DmoeSession.agent(configJson)
}

/** Milliseconds (µs resolution, as every DMOE JSON surface writes them) as a duration. */
fun ms(n: JsonNode): Duration = Math.round(n.asDouble() * 1000.0).microseconds

private fun jms(n: JsonNode?): java.time.Duration? = n?.takeUnless { it.isNull }?.let { ms(it).toNative() }

private fun optU32(n: JsonNode?): UInt? = n?.takeUnless { it.isNull }?.asLong()?.toUInt()
private fun optU64(n: JsonNode?): ULong? = n?.takeUnless { it.isNull }?.asLong()?.toULong()
private fun optText(n: JsonNode?): String? = n?.takeUnless { it.isNull }?.asText()
private fun u64(n: JsonNode): ULong = n.asText().toULong()

private fun range(n: JsonNode?): ByteRange? =
    n?.takeUnless { it.isNull }?.let { ByteRange(u64(it["start"]), u64(it["length"])) }

private fun failure(n: JsonNode): Failure = when {
    n.isTextual && n.asText() == "timeout" -> Failure.Timeout
    n.isTextual && n.asText() == "connection" -> Failure.Connection
    n.has("http") -> Failure.Http(n["http"]["status"].asInt().toUShort())
    else -> error("unknown failure $n")
}

private fun media(s: String) = when (s) {
    "video" -> MediaType.VIDEO
    "audio" -> MediaType.AUDIO
    "subtitles" -> MediaType.SUBTITLES
    "closed_captions" -> MediaType.CLOSED_CAPTIONS
    else -> MediaType.UNKNOWN
}

private fun state(s: String) = PlaybackState.valueOf(s.uppercase())

private fun rendition(n: JsonNode) = HostRendition(
    bandwidthBps = u64(n["bandwidth_bps"]),
    averageBandwidthBps = optU64(n["average_bandwidth_bps"]),
    width = optU32(n["width"]),
    height = optU32(n["height"]),
    frameRate = n["frame_rate"]?.takeUnless { it.isNull }?.asDouble(),
    codecs = optText(n["codecs"]),
    url = n["url"]?.asText() ?: "",
    pathway = optText(n["pathway"]),
)

private fun segments(n: JsonNode) = HostSegments(
    ended = n["ended"].asBoolean(),
    targetDuration = jms(n["target_duration_ms"]),
    inits = n["inits"]?.map { HostInit(it["url"].asText(), range(it["byte_range"])) } ?: emptyList(),
    segments = n["segments"].map {
        HostSegment(
            number = u64(it["number"]),
            start = ms(it["start_ms"]).toNative(),
            duration = ms(it["duration_ms"]).toNative(),
            url = it["url"].asText(),
            byteRange = range(it["byte_range"]),
            init = optU32(it["init"]),
        )
    },
)

/** One recorded input's event, field by field into the typed API. */
fun event(n: JsonNode): Event = when (val type = n["type"].asText()) {
    "tick" -> Event.Tick
    "manifest_loaded" -> Event.ManifestLoaded(n["url"].asText(), n["body"].asText())
    "playlist_loaded" -> Event.PlaylistLoaded(n["rendition"].asLong().toUInt(), n["body"].asText())
    "ladder_loaded" -> Event.LadderLoaded(n["url"].asText(), n["renditions"].map(::rendition))
    "segments_loaded" -> Event.SegmentsLoaded(n["rendition"].asLong().toUInt(), segments(n["segments"]))
    "playlist_failed" -> Event.PlaylistFailed(optU32(n["rendition"]), failure(n["failure"]))
    "steering_loaded" -> Event.SteeringLoaded(
        n["status"].asInt().toUShort(), jms(n["retry_after_ms"]), n["body"].asText(),
    )
    "steering_failed" -> Event.SteeringFailed
    "request_started" -> Event.RequestStarted(u64(n["id"]))
    "request_progress" -> Event.RequestProgress(u64(n["id"]), u64(n["bytes"]))
    "request_completed" -> Event.RequestCompleted(
        u64(n["id"]), u64(n["bytes"]), ms(n["ttfb_ms"]).toNative(),
        optText(n["cmsd_static"]), optText(n["cmsd_dynamic"]),
    )
    "request_failed" -> Event.RequestFailed(u64(n["id"]), failure(n["failure"]))
    "request_cancelled" -> Event.RequestCancelled(u64(n["id"]))
    "buffer" -> Event.Buffer(media(n["media"].asText()), ms(n["level_ms"]).toNative())
    "playback" -> Event.Playback(state(n["state"].asText()), n["rate"].asDouble())
    "position" -> Event.Position(ms(n["position_ms"]).toNative(), jms(n["latency_ms"]))
    "seek" -> Event.Seek(ms(n["position_ms"]).toNative())
    "frames" -> Event.Frames(u64(n["dropped"]), u64(n["total"]))
    "viewport" -> Event.Viewport(optU32(n["max_height"]), optU64(n["max_bitrate_bps"]))
    "transfer_started" -> Event.TransferStarted(
        u64(n["id"]), optU32(n["rendition"]),
        if (n["kind"].asText() == "init") ObjectKind.INIT else ObjectKind.MEDIA,
        jms(n["duration_ms"]), optText(n["pathway"]),
    )
    "advice_wanted" -> Event.AdviceWanted(
        jms(n["segment_duration_ms"]),
        n["sizes"]?.map { u64(it) } ?: emptyList(),
        optU32(n["remaining"]),
    )
    else -> error("unknown event type $type")
}
