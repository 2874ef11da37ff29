package io.dmoe.example

import io.dmoe.DmoeSession
import io.dmoe.dueAt
import io.dmoe.ffi.Event
import io.dmoe.ffi.HostRendition
import io.dmoe.ffi.MediaType
import io.dmoe.ffi.ObjectKind
import io.dmoe.ffi.Output
import io.dmoe.ffi.PlaybackState
import io.dmoe.toNative
import java.io.File
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * A JVM player that fetches its own segments, as ExoPlayer does, and asks DMOE's advisor
 * which rendition to take for each: a four-rung ladder of 60 four-second segments streamed
 * over a throughput trace (`time_s Mbps` per line, looped). It prints every advice and,
 * last, the session's QoE.
 *
 *     mvn -q compile exec:java                       # examples/c/trace.txt
 *     mvn -q compile exec:java -Dexec.args=TRACE
 */
fun main(args: Array<String>) {
    val file = File(args.firstOrNull() ?: "../../examples/c/trace.txt")
    val trace = Trace.read(file)
    DmoeSession.advisor("""{"seed": 1}""").use { s -> Player(s, trace).run() }
}

/** A throughput trace: Mb/s from each point's time on, looped. */
class Trace(private val times: DoubleArray, private val mbps: DoubleArray) {
    companion object {
        fun read(f: File): Trace {
            val rows = f.readLines().mapNotNull { line ->
                val p = line.trim().split(Regex("\\s+"))
                if (p.size >= 2) p[0].toDoubleOrNull()?.let { t -> p[1].toDoubleOrNull()?.let { t to it } } else null
            }
            require(rows.isNotEmpty()) { "$f has no `time_s Mbps` rows" }
            return Trace(rows.map { it.first }.toDoubleArray(), rows.map { it.second }.toDoubleArray())
        }
    }

    /** Bits per second at [t] (at least 50 kb/s). */
    fun bps(t: Duration): Double {
        val period = times.last()
        var s = t.inWholeMicroseconds / 1e6
        if (period > 0) s %= period
        val i = times.indexOfLast { it <= s }.coerceAtLeast(0)
        return maxOf(mbps[i], 0.05) * 1e6
    }
}

private class Transfer(val id: ULong, val rendition: UInt, val segment: Int, val size: Double, val sent: Duration) {
    var got = 0.0
}

private class Player(private val s: DmoeSession, private val trace: Trace) {
    val ladder = listOf(400_000uL, 1_200_000uL, 2_500_000uL, 4_500_000uL)
    val heights = listOf(270u, 540u, 720u, 1080u)
    val segments = 60
    val segment = 4.seconds
    val maxBuffer = 30.seconds
    val step = 50.milliseconds
    val rtt = 50.milliseconds

    var now = Duration.ZERO
    var buffer = Duration.ZERO
    var position = Duration.ZERO
    var state = PlaybackState.STARTING
    var next = 0
    var ids = 0uL
    var transfer: Transfer? = null
    var timeout: Duration? = null
    var ended = false

    fun feed(e: Event) {
        s.handle(now, e)
        for (o in s.drain()) on(o)
    }

    fun on(o: Output) {
        when (o) {
            is Output.Advice -> fetch(o.advice.rendition, next)
            is Output.AbandonAdvice -> transfer?.takeIf { it.id == o.id }?.let { t ->
                println("%7.2f s  abandon segment %d at %.1f Mb/s -> %.1f Mb/s (%s)".format(
                    now.inWholeMilliseconds / 1e3, t.segment, ladder[t.rendition.toInt()].toDouble() / 1e6,
                    o.bitrateBps.toDouble() / 1e6, o.why.text))
                transfer = null
                feed(Event.RequestCancelled(t.id))
                fetch(o.rendition, t.segment)
            }
            is Output.Timeout -> timeout = o.dueAt
            is Output.Telemetry -> if (o.last) println("final report: ${o.json.length} bytes of JSON")
            is Output.End -> ended = true
            else -> {}
        }
    }

    fun fetch(rendition: UInt, segmentNumber: Int) {
        val bitrate = ladder[rendition.toInt()]
        ids += 1uL
        transfer = Transfer(ids, rendition, segmentNumber, bitrate.toDouble() * segment.inWholeMilliseconds / 8000.0, now)
        next = segmentNumber + 1
        feed(Event.TransferStarted(ids, rendition, ObjectKind.MEDIA, segment.toNative(), null))
    }

    fun run() {
        feed(Event.LadderLoaded("https://cdn.example/master.m3u8", ladder.mapIndexed { i, b ->
            HostRendition(bandwidthBps = b, height = heights[i], width = heights[i] * 16u / 9u,
                url = "https://cdn.example/$i/index.m3u8")
        }))
        feed(Event.Playback(PlaybackState.STARTING, 1.0))
        var lastProgress = Duration.ZERO
        while (!ended && now < 30.minutes) {
            if (transfer == null && next < segments && buffer + segment <= maxBuffer) {
                val sizes = ladder.map { it * segment.inWholeMilliseconds.toULong() / 8000uL }
                feed(Event.AdviceWanted(segment.toNative(), sizes, (segments - next).toUInt()))
                continue
            }
            now += step
            transfer?.let { t ->
                if (now - t.sent > rtt) t.got += trace.bps(now) / 8.0 * step.inWholeMicroseconds / 1e6
                if (t.got >= t.size) {
                    transfer = null
                    buffer += segment
                    println("%7.2f s  segment %2d at %.1f Mb/s, buffer %.1f s".format(
                        now.inWholeMilliseconds / 1e3, t.segment, ladder[t.rendition.toInt()].toDouble() / 1e6,
                        buffer.inWholeMilliseconds / 1e3))
                    feed(Event.RequestCompleted(t.id, t.size.toULong(), rtt.toNative(), null, null))
                    feed(Event.Buffer(MediaType.VIDEO, buffer.toNative()))
                } else if (now - lastProgress >= 250.milliseconds) {
                    lastProgress = now
                    feed(Event.RequestProgress(t.id, t.got.toULong()))
                }
            }
            play()
            timeout?.let { if (now >= it) { timeout = null; feed(Event.Tick) } }
        }
        val q = s.qoe()
        println("QoE: startup %.2f s, %d stalls (%.2f s), mean bitrate %.2f Mb/s, %d switches, played %.1f s".format(
            (q.startup?.toMillis() ?: 0L) / 1e3, q.rebufferCount.toInt(), q.rebufferTime.toMillis() / 1e3,
            q.avgBitrateBps / 1e6, q.switches.toInt(), q.playTime.toMillis() / 1e3))
    }

    /** The play head: drains the buffer while playing; stalls, resumes and ends. */
    fun play() {
        val done = next >= segments && transfer == null
        when (state) {
            PlaybackState.PLAYING -> {
                val played = minOf(step, buffer)
                buffer -= played
                position += played
                if (now.inWholeMilliseconds % 1000 == 0L) {
                    feed(Event.Buffer(MediaType.VIDEO, buffer.toNative()))
                    feed(Event.Position(position.toNative(), null))
                }
                if (buffer == Duration.ZERO) {
                    state = if (done) PlaybackState.ENDED else PlaybackState.STALLED
                    feed(Event.Buffer(MediaType.VIDEO, buffer.toNative()))
                    feed(Event.Position(position.toNative(), null))
                    feed(Event.Playback(state, 1.0))
                }
            }
            PlaybackState.STARTING, PlaybackState.STALLED -> if (buffer >= segment || (done && buffer > Duration.ZERO)) {
                state = PlaybackState.PLAYING
                feed(Event.Playback(state, 1.0))
            }
            else -> {}
        }
    }
}
