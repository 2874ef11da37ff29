package io.dmoe

import io.dmoe.ffi.DmoeException
import io.dmoe.ffi.Event
import io.dmoe.ffi.HostRendition
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.microseconds

class ThreadsTest {
    @Test
    fun `one session used from two threads at once is safe, each call taken or refused typed`() {
        DmoeSession.agent("""{"seed": 9}""").use { s ->
            s.handle(kotlin.time.Duration.ZERO, Event.LadderLoaded(
                "https://cdn.example/master.m3u8",
                listOf(HostRendition(bandwidthBps = 800_000u, url = "https://cdn.example/a.m3u8")),
            ))
            s.drain()
            val clock = AtomicLong(1)
            val ok = AtomicInteger()
            val refused = ConcurrentHashMap<String, Int>()
            val other = ArrayList<Throwable>()
            val go = CountDownLatch(1)
            val workers = (0 until 2).map {
                thread {
                    go.await()
                    repeat(5000) {
                        try {
                            s.handle(clock.getAndIncrement().microseconds, Event.Tick)
                            s.drain()
                            ok.incrementAndGet()
                        } catch (e: DmoeException) {
                            refused.merge(e.javaClass.simpleName, 1, Int::plus)
                        } catch (e: Throwable) {
                            synchronized(other) { other += e }
                        }
                    }
                }
            }
            go.countDown()
            workers.forEach { it.join() }
            assertEquals(emptyList<Throwable>(), other)
            assertEquals(10_000, ok.get() + refused.values.sum())
            assertTrue(ok.get() > 0)
            // Only the contract's own refusals: another thread's outputs not yet drained, or
            // its later time already given.
            assertTrue(refused.keys.all { it in setOf("OutputNotDrained", "TimeWentBackwards") }, "$refused")
            println("ThreadsTest: ${ok.get()} calls taken, refused: $refused")
            // The session is still usable.
            s.drain()
            s.handle(clock.get().microseconds, Event.Tick)
            s.drain()
        }
    }
}
