// The Swift face of DMOE: a session over libdmoe's UniFFI bindings (module DmoeFFI, which
// is generated from the library by generate.sh). Times are `TimeInterval` seconds on the
// host's monotonic clock (any origin the host chooses, e.g. `ProcessInfo.systemUptime` at
// the start of playback); media durations too. Bitrates are bits per second.

import Foundation
@_exported import DmoeFFI

/// A playback session's decision engine: an agent (it decides every request) or an advisor
/// (the player fetches, as AVPlayer does, and asks which rendition to take next).
///
/// Give it the player's facts with `handle(at:_:)`, then take every waiting decision with
/// `drain()` before the next fact. Refusals are thrown as `DmoeError`, one case per kind;
/// a refused input changes nothing. A session may be shared between threads: calls run one
/// at a time.
///
/// ```swift
/// let session = try DmoeSession.advisor(config: #"{"seed": 7}"#)
/// try session.handle(at: 0, .ladderLoaded(url: url, renditions: ladder))
/// for output in try session.drain() { ... }
/// ```
public final class DmoeSession {
    private let native: Session

    private init(_ native: Session) {
        self.native = native
    }

    /// An agent. `config` is JSON with the keys of every DMOE configuration (`abr`,
    /// `max_buffer_ms`, `edges`, `cmcd`, `seed`, ...); empty means the defaults, and
    /// without a `seed` the session draws one from the operating system.
    public static func agent(config: String = "") throws -> DmoeSession {
        DmoeSession(try Session.agent(configJson: config))
    }

    /// An advisor, configured as `agent(config:)`.
    public static func advisor(config: String = "") throws -> DmoeSession {
        DmoeSession(try Session.advisor(configJson: config))
    }

    /// The native library's version.
    public static var version: String { libraryVersion() }

    /// Whether this engine is an advisor (made by `advisor`) rather than an agent.
    public var isAdvisor: Bool { native.isAdvisor() }

    /// Whether the session is over (an `.end` output went out).
    public var isOver: Bool { native.isOver() }

    /// The session id (the CMCD `sid`).
    public var sessionId: String { native.sessionId() }

    /// The seed in force: a session configured with it decides the same.
    public var seed: UInt64 { native.seed() }

    /// Gives the session one fact at host time `at` (seconds).
    ///
    /// Times are checked here before they reach the generated layer (which cannot take a
    /// negative or non-finite interval): such a time throws `DmoeError.InvalidValue`.
    public func handle(at: TimeInterval, _ event: Event) throws {
        guard DmoeSession.valid(at) else {
            throw DmoeError.InvalidValue(message: "invalid at: a finite, non-negative time")
        }
        guard DmoeSession.valid(event) else {
            throw DmoeError.InvalidValue(message: "invalid event: a time in it is negative or not finite")
        }
        try native.handle(at: at, event: event)
    }

    /// The next decision, or nil when none is waiting.
    public func poll() throws -> Output? { try native.poll() }

    /// Every decision waiting, in order.
    public func drain() throws -> [Output] { try native.drain() }

    /// The quality-of-experience figures so far.
    public func qoe() -> Qoe { native.qoe() }

    /// The telemetry report now, as JSON.
    public func report() -> String { native.report() }

    /// The settings in force, as JSON.
    public func configJson() throws -> String { try native.configJson() }

    static func valid(_ t: TimeInterval) -> Bool {
        t.isFinite && t >= 0 && t < 9.0e12
    }

    static func valid(_ t: TimeInterval?) -> Bool {
        t.map { valid($0) } ?? true
    }

    /// Whether every interval an event carries can cross into the library.
    static func valid(_ event: Event) -> Bool {
        switch event {
        case let .segmentsLoaded(_, segments):
            return valid(segments.targetDuration)
                && segments.segments.allSatisfy { valid($0.start) && valid($0.duration) }
        case let .steeringLoaded(_, retryAfter, _):
            return valid(retryAfter)
        case let .requestCompleted(_, _, ttfb, _, _):
            return valid(ttfb)
        case let .buffer(_, level):
            return valid(level)
        case let .position(position, latency):
            return valid(position) && valid(latency)
        case let .seek(position):
            return valid(position)
        case let .transferStarted(_, _, _, duration, _):
            return valid(duration)
        case let .adviceWanted(segmentDuration, _, _):
            return valid(segmentDuration)
        default:
            return true
        }
    }
}

extension Output {
    /// The decision as the JSON line every DMOE surface prints for it.
    public func json() throws -> String { try outputToJson(output: self) }
}

extension DmoeError {
    /// The core's message for the refusal (the same text every DMOE surface gives).
    public var message: String {
        switch self {
        case .InvalidConfig(let m), .OutputNotDrained(let m), .TimeWentBackwards(let m),
             .UnknownRequest(let m), .UnknownRendition(let m), .InvalidManifest(let m),
             .Unsupported(let m), .InvalidValue(let m), .WrongSession(let m), .Panic(let m),
             .Poisoned(let m):
            return m
        }
    }
}
