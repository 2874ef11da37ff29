package io.dmoe

import com.fasterxml.jackson.databind.ObjectMapper
import io.dmoe.ffi.Output
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/**
 * The recordings every binding replays (C, wasm, Kotlin): through the typed Kotlin API they
 * give the decisions dmoe-replay gives through Rust, byte for byte.
 */
class VectorsTest {
    private fun check(path: String, needs: List<String>): List<String> {
        val rec = Recording.read(Paths.recording(path))
        val want = File(Paths.expected, File(path).nameWithoutExtension + ".jsonl").readLines().filter { it.isNotEmpty() }
        val got = rec.open().use { rec.replay(it) }
        assertEquals(want.size, got.size, "$path: number of decisions")
        for (i in want.indices) assertEquals(want[i], got[i], "$path: decision ${i + 1}")
        val kinds = got.map { ObjectMapper().readTree(it)["type"]?.asText() }.toSet()
        for (k in needs) assertTrue(k in kinds, "$path gives a $k")
        println("VectorsTest: $path: ${got.size} decisions identical to dmoe-replay")
        return got
    }

    @Test
    fun `an agent parsing HLS text decides as Rust does`() {
        check("bindings/c/tests/session.jsonl", listOf("fetch", "abandon", "probe", "load_playlist", "load_steering", "telemetry", "timeout", "end"))
    }

    @Test
    fun `an agent fed a host-parsed ladder decides as Rust does`() {
        check("bindings/js/test/session-host.jsonl", listOf("fetch", "load_playlist", "telemetry", "timeout", "end"))
    }

    @Test
    fun `an advisor advises the rungs Rust advises`() {
        val path = "bindings/c/tests/session-advisor.jsonl"
        check(path, listOf("advice", "abandon_advice", "telemetry", "end"))
        // The rungs, read off the typed outputs themselves.
        val rec = Recording.read(Paths.recording(path))
        val rungs = ArrayList<UInt>()
        rec.open().use { s ->
            assertTrue(s.isAdvisor)
            for ((at, e) in rec.inputs) {
                s.handle(at, e)
                s.drain().filterIsInstance<Output.Advice>().forEach { rungs += it.advice.rendition }
            }
        }
        val want = File(Paths.expected, "session-advisor.jsonl").readLines()
            .map { ObjectMapper().readTree(it) }
            .filter { it["type"].asText() == "advice" }
            .map { it["rendition"].asLong().toUInt() }
        assertEquals(want, rungs)
        assertTrue(rungs.toSet().size > 1, "the session moves between rungs: $rungs")
    }
}
