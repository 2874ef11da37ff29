package io.dmoe

import io.dmoe.ffi.DmoeException
import io.dmoe.ffi.Event
import io.dmoe.ffi.Output
import io.dmoe.ffi.Qoe
import io.dmoe.ffi.Session
import io.dmoe.ffi.libraryVersion
import io.dmoe.ffi.outputToJson
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * A playback session's decision engine, over the native library (libdmoe).
 *
 * Made as an [agent] (it decides every request: rendition, edge, retries, deadlines) or an
 * [advisor] (the player fetches, as ExoPlayer does, and asks which rendition to take next
 * with [Event.AdviceWanted]). Give it the player's facts with [handle], at the reading of a
 * monotonic clock since an origin the host chooses, then take every waiting decision with
 * [drain] (or [poll]) before the next fact. Decisions are the sealed [Output] hierarchy.
 *
 * Units: host times and media durations are [Duration]s (in events and outputs of the
 * generated API, `java.time.Duration`: [toNative] and `toKotlinDuration()` convert), bitrates bits per second,
 * sizes bytes. Refusals are [DmoeException]s, one subclass per kind; a refused input
 * changes nothing. Close the session (or use `use {}`) to free it now rather than at
 * garbage collection.
 *
 * A session may be used from several threads: calls run one at a time.
 *
 * ```
 * DmoeSession.advisor("""{"seed": 7}""").use { s ->
 *     s.handle(0.milliseconds, Event.LadderLoaded(url, ladder))
 *     s.drain()
 * }
 * ```
 */
class DmoeSession private constructor(private val native: Session) : AutoCloseable {
    companion object {
        /**
         * An agent. [configJson] has the keys of every DMOE configuration (`abr`,
         * `max_buffer_ms`, `edges`, `cmcd`, `seed`, ...); blank means the defaults, and
         * without a `seed` the session draws one from the operating system.
         *
         * @throws DmoeException.InvalidConfig with the reason.
         */
        @JvmStatic
        fun agent(configJson: String = ""): DmoeSession = DmoeSession(Session.agent(configJson))

        /** An advisor, configured as [agent]. */
        @JvmStatic
        fun advisor(configJson: String = ""): DmoeSession = DmoeSession(Session.advisor(configJson))

        /** The native library's version. */
        @JvmStatic
        val version: String get() = libraryVersion()
    }

    /** Whether this engine is an advisor (made by [advisor]) rather than an agent. */
    val isAdvisor: Boolean get() = native.isAdvisor()

    /** Whether the session is over (an [Output.End] went out). */
    val isOver: Boolean get() = native.isOver()

    /** The session id (the CMCD `sid`). */
    val sessionId: String get() = native.sessionId()

    /** The seed in force: a session configured with it decides the same. */
    val seed: ULong get() = native.seed()

    /** The settings in force, as JSON. */
    val configJson: String get() = native.configJson()

    /**
     * Gives the session one fact at host time [at].
     *
     * @throws DmoeException.InvalidValue when [at] is negative or a value is out of range;
     *   other subclasses for wrong use (outputs not drained, time going backwards, an
     *   unknown request).
     */
    fun handle(at: Duration, event: Event) {
        if (at.isNegative() || at.isInfinite()) {
            throw DmoeException.InvalidValue("invalid at: a finite, non-negative time")
        }
        try {
            native.handle(at.toJavaDuration(), event)
        } catch (e: IllegalArgumentException) {
            // The generated layer refuses negative durations inside events this way.
            throw DmoeException.InvalidValue("invalid event: ${e.message}")
        }
    }

    /** The next decision, or null when none is waiting. */
    fun poll(): Output? = native.poll()

    /** Every decision waiting, in order. */
    fun drain(): List<Output> = native.drain()

    /** The quality-of-experience figures so far. */
    fun qoe(): Qoe = native.qoe()

    /** The telemetry report now, as JSON. */
    fun report(): String = native.report()

    /** Frees the native session; later calls throw [IllegalStateException]. */
    override fun close() = native.close()
}

/** The decision as the JSON line every DMOE surface prints for it (logs, comparisons). */
fun Output.toJson(): String = outputToJson(this)

/** When a [Output.Timeout] falls due, on the host's clock, as a Kotlin duration. */
val Output.Timeout.dueAt: Duration get() = at.toKotlinDuration()

/** A Kotlin duration as the generated API's `java.time.Duration`. */
fun Duration.toNative(): java.time.Duration = this.toJavaDuration()
