package io.dmoe

import io.dmoe.ffi.ByteRange
import io.dmoe.ffi.DmoeException
import io.dmoe.ffi.Event
import io.dmoe.ffi.Failure
import io.dmoe.ffi.HostRendition
import io.dmoe.ffi.HostSegment
import io.dmoe.ffi.HostSegments
import io.dmoe.ffi.MediaType
import io.dmoe.ffi.ObjectKind
import io.dmoe.ffi.Output
import io.dmoe.ffi.PlaybackState
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

private fun ladder(pathways: List<String?> = listOf(null)) = pathways.flatMap { p ->
    listOf(800, 2400, 6000).map { kbps ->
        HostRendition(
            bandwidthBps = (kbps * 1000).toULong(), width = 1280u, height = 720u,
            codecs = "avc1.64001f,mp4a.40.2", url = "https://cdn.example/$kbps/index.m3u8", pathway = p,
        )
    }
}

private fun segments(rendition: UInt, count: Int = 5) = HostSegments(
    ended = true,
    targetDuration = 4.seconds.toNative(),
    segments = (0 until count).map { n ->
        HostSegment(
            number = n.toULong(), start = (4 * n).seconds.toNative(), duration = 4.seconds.toNative(),
            url = "https://cdn.example/r$rendition/$n.m4s", byteRange = ByteRange(0u, 400_000u),
        )
    },
)

/** An agent given a ladder and the segment list it asks for; returns its first fetch. */
private fun started(s: DmoeSession): Output.Fetch {
    s.handle(Duration.ZERO, Event.LadderLoaded("https://cdn.example/master.m3u8", ladder()))
    val wanted = s.drain().filterIsInstance<Output.LoadPlaylist>().first()
    s.handle(20.milliseconds, Event.SegmentsLoaded(wanted.rendition, segments(wanted.rendition)))
    return s.drain().filterIsInstance<Output.Fetch>().first()
}

class SessionTest {
    @Test
    fun `an agent fetches, is told every fact, and plays to the end`() {
        DmoeSession.agent("""{"seed": 5}""").use { s ->
            assertFalse(s.isAdvisor)
            assertEquals(5uL, s.seed)
            assertEquals(36, s.sessionId.length)
            assertTrue(DmoeSession.version.matches(Regex("""\d+\.\d+\.\d+""")))
            var t = 20.milliseconds
            var fetch: Output.Fetch? = started(s)
            val outputs = ArrayList<Output>()
            s.handle(t, Event.Playback(PlaybackState.STARTING, 1.0))
            outputs += s.drain()
            var buffered = Duration.ZERO
            var timeout: Duration? = null
            val lists = ArrayDeque<UInt>()
            fun feed(e: Event) {
                s.handle(t, e)
                val got = s.drain()
                got.filterIsInstance<Output.Timeout>().lastOrNull()?.let { timeout = it.dueAt }
                got.filterIsInstance<Output.LoadPlaylist>().forEach { lists.addLast(it.rendition) }
                outputs += got
                // A rendition's segment list, when the agent switches to it.
                while (lists.isNotEmpty()) {
                    val r = lists.removeFirst()
                    s.handle(t, Event.SegmentsLoaded(r, segments(r)))
                    val more = s.drain()
                    more.filterIsInstance<Output.Timeout>().lastOrNull()?.let { timeout = it.dueAt }
                    more.filterIsInstance<Output.LoadPlaylist>().forEach { lists.addLast(it.rendition) }
                    outputs += more
                }
            }
            while (fetch != null) {
                val id = fetch.request.id
                assertTrue(fetch.request.url.startsWith("https://cdn.example/"))
                assertEquals(ObjectKind.MEDIA, fetch.request.kind)
                assertEquals(4.seconds.toNative(), fetch.request.duration)
                feed(Event.RequestStarted(id))
                t += 100.milliseconds
                feed(Event.RequestProgress(id, 100_000u))
                t += 300.milliseconds
                feed(Event.RequestCompleted(id, 400_000u, 80.milliseconds.toNative(), null, null))
                buffered += 4.seconds
                feed(Event.Buffer(MediaType.VIDEO, buffered.toNative()))
                if (buffered == 4.seconds) feed(Event.Playback(PlaybackState.PLAYING, 1.0))
                feed(Event.Position((buffered - 4.seconds).toNative(), null))
                feed(Event.Frames(0u, 24u))
                // The next fetch may wait for a timer: answer timeouts with ticks.
                var next = outputs.filterIsInstance<Output.Fetch>().lastOrNull()?.takeIf { it.request.id > id }
                var ticks = 0
                while (next == null && ticks < 50 && timeout != null) {
                    t = maxOf(t, timeout!!)
                    timeout = null
                    feed(Event.Tick)
                    ticks++
                    next = outputs.filterIsInstance<Output.Fetch>().lastOrNull()?.takeIf { it.request.id > id }
                }
                fetch = next
            }
            // The play head reaches the end; the session ends with its final report.
            t += 20.seconds
            feed(Event.Buffer(MediaType.VIDEO, Duration.ZERO.toNative()))
            feed(Event.Position(20.seconds.toNative(), null))
            feed(Event.Playback(PlaybackState.ENDED, 1.0))
            val fetched = outputs.filterIsInstance<Output.Fetch>().size
            assertTrue(fetched >= 4, "fetched $fetched")
            assertTrue(outputs.any { it is Output.Timeout })
            assertTrue(s.isOver, "the session is over")
            val last = outputs.filterIsInstance<Output.Telemetry>().last()
            assertTrue(last.last && last.json.contains("\"last\":true"))
            assertTrue(outputs.last() is Output.End)
            val q = s.qoe()
            assertTrue(q.avgBitrateBps > 0.0)
            assertEquals(0u, q.rebufferCount)
            assertNotNull(q.startup)
            assertTrue(s.report().startsWith("{"))
            // Every decision converts to the JSON the other surfaces print.
            assertTrue(outputs.all { it.toJson().startsWith("{\"type\":") })
        }
    }

    @Test
    fun `every event crosses the boundary and is either taken or refused with a typed error`() {
        val agentEvents = listOf(
            Event.Tick,
            Event.PlaylistFailed(0u, Failure.Http(503u)),
            Event.PlaylistFailed(null, Failure.Timeout),
            Event.SteeringLoaded(200u, null, """{"VERSION":1,"TTL":300,"PATHWAY-PRIORITY":["a"]}"""),
            Event.SteeringLoaded(429u, 5.seconds.toNative(), ""),
            Event.SteeringFailed,
            Event.Buffer(MediaType.AUDIO, 3.seconds.toNative()),
            Event.Playback(PlaybackState.PAUSED, 1.0),
            Event.Position(1.seconds.toNative(), 2.seconds.toNative()),
            Event.Seek(8.seconds.toNative()),
            Event.Frames(1u, 100u),
            Event.Viewport(720u, 5_000_000u),
            Event.RequestFailed(999u, Failure.Connection),
            Event.RequestCancelled(999u),
            Event.ManifestLoaded("https://cdn.example/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow.m3u8\n"),
            Event.PlaylistLoaded(0u, "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n0.ts\n#EXT-X-ENDLIST\n"),
        )
        DmoeSession.agent("""{"seed": 1}""").use { s ->
            started(s)
            var t = 1.seconds
            for (e in agentEvents) {
                t += 10.milliseconds
                try {
                    s.handle(t, e)
                } catch (x: DmoeException) {
                    assertTrue(x.message!!.isNotEmpty())
                }
                s.drain()
            }
            // The advisor's events are refused by an agent, typed, and change nothing.
            val x = assertThrows(DmoeException.WrongSession::class.java) {
                s.handle(t, Event.AdviceWanted(null, emptyList(), null))
            }
            assertTrue(x.message!!.contains("advice_wanted"), x.message)
            assertTrue(s.drain().isEmpty())
        }
        DmoeSession.advisor("""{"seed": 1}""").use { s ->
            assertTrue(s.isAdvisor)
            s.handle(Duration.ZERO, Event.LadderLoaded("https://cdn.example/master.m3u8", ladder()))
            s.drain()
            s.handle(1.milliseconds, Event.AdviceWanted(4.seconds.toNative(), listOf(400_000uL, 0uL, 0uL), 10u))
            val advice = s.drain().filterIsInstance<Output.Advice>().single().advice
            assertEquals(800_000uL, advice.bitrateBps)
            s.handle(2.milliseconds, Event.TransferStarted(77u, advice.rendition, ObjectKind.MEDIA, 4.seconds.toNative(), null))
            s.drain()
            s.handle(3.milliseconds, Event.RequestProgress(77u, 1000u))
            s.drain()
            s.handle(300.milliseconds, Event.RequestCompleted(77u, 400_000u, 50.milliseconds.toNative(), null, null))
            s.drain()
            assertEquals(0u, s.qoe().switches, "one transfer at the advised rung is no switch")
            assertThrows(DmoeException.WrongSession::class.java) {
                s.handle(301.milliseconds, Event.ManifestLoaded("https://x.example/m.m3u8", "#EXTM3U"))
            }
        }
    }

    @Test
    fun `wrong use is a typed error and changes nothing`() {
        DmoeSession.agent("""{"seed": 2}""").use { s ->
            s.handle(Duration.ZERO, Event.LadderLoaded("https://cdn.example/master.m3u8", ladder()))
            // Outputs not drained.
            assertThrows(DmoeException.OutputNotDrained::class.java) { s.handle(1.milliseconds, Event.Tick) }
            val waiting = s.drain()
            assertTrue(waiting.isNotEmpty())
            s.handle(10.milliseconds, Event.Tick)
            s.drain()
            assertThrows(DmoeException.TimeWentBackwards::class.java) { s.handle(5.milliseconds, Event.Tick) }
            assertThrows(DmoeException.UnknownRequest::class.java) { s.handle(10.milliseconds, Event.RequestStarted(12345u)) }
            assertThrows(DmoeException.UnknownRendition::class.java) {
                s.handle(10.milliseconds, Event.SegmentsLoaded(99u, segments(99u)))
            }
            assertThrows(DmoeException.InvalidValue::class.java) { s.handle((-1).milliseconds, Event.Tick) }
            assertThrows(DmoeException.InvalidValue::class.java) {
                s.handle(10.milliseconds, Event.Playback(PlaybackState.PLAYING, Double.NaN))
            }
            assertThrows(DmoeException.InvalidManifest::class.java) {
                s.handle(10.milliseconds, Event.ManifestLoaded("https://x.example/m.m3u8", "not a playlist"))
            }
            // Nothing moved: the session goes on.
            assertNull(s.poll())
            s.handle(11.milliseconds, Event.Tick)
            s.drain()
        }
    }

    @Test
    fun `a refused configuration says why`() {
        val unknown = assertThrows(DmoeException.InvalidConfig::class.java) { DmoeSession.agent("""{"abr": "nope"}""") }
        assertTrue(unknown.message!!.contains("unknown abr \"nope\""), unknown.message)
        val range = assertThrows(DmoeException.InvalidConfig::class.java) { DmoeSession.advisor("""{"max_buffer_ms": -5}""") }
        assertTrue(range.message!!.contains("non-negative"), range.message)
        val json = assertThrows(DmoeException.InvalidConfig::class.java) { DmoeSession.agent("{") }
        assertTrue(json.message!!.startsWith("config:"), json.message)
        // Blank: the defaults, seeded from the system.
        DmoeSession.agent().use { s -> assertTrue(s.configJson.contains("\"abr\":\"hybrid\"")) }
    }

    @Test
    fun `a closed session refuses calls instead of crashing`() {
        val s = DmoeSession.agent("""{"seed": 3}""")
        s.close()
        s.close()
        assertThrows(IllegalStateException::class.java) { s.handle(Duration.ZERO, Event.Tick) }
    }
}
