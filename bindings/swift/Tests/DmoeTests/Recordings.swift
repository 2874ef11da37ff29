// The recorded sessions every binding replays (C, wasm, Kotlin, Swift), read into the
// typed API field by field.

import Foundation
import Dmoe

enum RecordingError: Error {
    case malformed(String)
}

/// The repository root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// A recorded session: how it was opened, and its inputs as (seconds, event).
struct Recording {
    let advisor: Bool
    let config: String
    let inputs: [(TimeInterval, Event)]

    init(path: String) throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard let first = lines.first, let head = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] else {
            throw RecordingError.malformed("no head line in \(path)")
        }
        advisor = head["advisor"] != nil
        let cfg = head[advisor ? "advisor" : "config"] ?? [:]
        config = String(decoding: try JSONSerialization.data(withJSONObject: cfg), as: UTF8.self)
        inputs = try lines.dropFirst().map { line in
            guard let n = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw RecordingError.malformed(line)
            }
            return (seconds(n["at_ms"]) ?? 0, try event(n))
        }
    }

    func open() throws -> DmoeSession {
        advisor ? try DmoeSession.advisor(config: config) : try DmoeSession.agent(config: config)
    }

    /// Every decision as JSON, every refusal as {"error": ...}.
    func replay(_ s: DmoeSession) throws -> [String] {
        var out: [String] = []
        for (at, e) in inputs {
            do {
                try s.handle(at: at, e)
            } catch let error as DmoeError {
                out.append(errorLine(error))
            }
            for o in try s.drain() {
                out.append(try o.json())
            }
        }
        return out
    }
}

func errorLine(_ e: DmoeError) -> String {
    let text = e.message
    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "{\"error\":\"\(escaped)\"}"
}

/// Milliseconds (µs resolution, as every DMOE JSON surface writes them) as seconds.
func seconds(_ v: Any?) -> TimeInterval? {
    guard let ms = (v as? NSNumber)?.doubleValue else { return nil }
    return (ms * 1000).rounded() / 1_000_000
}

private func u64(_ v: Any?) -> UInt64 { (v as? NSNumber)?.uint64Value ?? 0 }
private func optU64(_ v: Any?) -> UInt64? { (v as? NSNumber)?.uint64Value }
private func optU32(_ v: Any?) -> UInt32? { (v as? NSNumber)?.uint32Value }
private func optText(_ v: Any?) -> String? { v as? String }

private func range(_ v: Any?) -> ByteRange? {
    guard let r = v as? [String: Any] else { return nil }
    return ByteRange(start: u64(r["start"]), length: u64(r["length"]))
}

private func failure(_ v: Any?) throws -> Failure {
    if let s = v as? String {
        switch s {
        case "timeout": return .timeout
        case "connection": return .connection
        default: throw RecordingError.malformed("failure \(s)")
        }
    }
    if let http = (v as? [String: Any])?["http"] as? [String: Any] {
        return .http(status: UInt16((http["status"] as? NSNumber)?.intValue ?? 0))
    }
    throw RecordingError.malformed("failure")
}

private func media(_ v: Any?) -> MediaType {
    switch v as? String {
    case "video": return .video
    case "audio": return .audio
    case "subtitles": return .subtitles
    case "closed_captions": return .closedCaptions
    default: return .unknown
    }
}

private func state(_ v: Any?) throws -> PlaybackState {
    switch v as? String {
    case "starting": return .starting
    case "playing": return .playing
    case "paused": return .paused
    case "seeking": return .seeking
    case "stalled": return .stalled
    case "ended": return .ended
    default: throw RecordingError.malformed("state")
    }
}

private func rendition(_ r: [String: Any]) -> HostRendition {
    HostRendition(
        bandwidthBps: u64(r["bandwidth_bps"]),
        averageBandwidthBps: optU64(r["average_bandwidth_bps"]),
        width: optU32(r["width"]),
        height: optU32(r["height"]),
        frameRate: (r["frame_rate"] as? NSNumber)?.doubleValue,
        codecs: optText(r["codecs"]),
        url: (r["url"] as? String) ?? "",
        pathway: optText(r["pathway"])
    )
}

private func segments(_ v: Any?) -> HostSegments {
    let n = (v as? [String: Any]) ?? [:]
    let inits = ((n["inits"] as? [[String: Any]]) ?? []).map {
        HostInit(url: ($0["url"] as? String) ?? "", byteRange: range($0["byte_range"]))
    }
    let list = ((n["segments"] as? [[String: Any]]) ?? []).map {
        HostSegment(
            number: u64($0["number"]),
            start: seconds($0["start_ms"]) ?? 0,
            duration: seconds($0["duration_ms"]) ?? 0,
            url: ($0["url"] as? String) ?? "",
            byteRange: range($0["byte_range"]),
            init: optU32($0["init"])
        )
    }
    return HostSegments(
        ended: (n["ended"] as? Bool) ?? false,
        targetDuration: seconds(n["target_duration_ms"]),
        inits: inits,
        segments: list
    )
}

/// One recorded input's event.
func event(_ n: [String: Any]) throws -> Event {
    let type = (n["type"] as? String) ?? ""
    switch type {
    case "tick": return .tick
    case "manifest_loaded": return .manifestLoaded(url: optText(n["url"]) ?? "", body: optText(n["body"]) ?? "")
    case "playlist_loaded": return .playlistLoaded(rendition: optU32(n["rendition"]) ?? 0, body: optText(n["body"]) ?? "")
    case "ladder_loaded":
        return .ladderLoaded(url: optText(n["url"]) ?? "", renditions: ((n["renditions"] as? [[String: Any]]) ?? []).map(rendition))
    case "segments_loaded": return .segmentsLoaded(rendition: optU32(n["rendition"]) ?? 0, segments: segments(n["segments"]))
    case "playlist_failed": return .playlistFailed(rendition: optU32(n["rendition"]), failure: try failure(n["failure"]))
    case "steering_loaded":
        return .steeringLoaded(status: UInt16((n["status"] as? NSNumber)?.intValue ?? 0), retryAfter: seconds(n["retry_after_ms"]), body: optText(n["body"]) ?? "")
    case "steering_failed": return .steeringFailed
    case "request_started": return .requestStarted(id: u64(n["id"]))
    case "request_progress": return .requestProgress(id: u64(n["id"]), bytes: u64(n["bytes"]))
    case "request_completed":
        return .requestCompleted(id: u64(n["id"]), bytes: u64(n["bytes"]), ttfb: seconds(n["ttfb_ms"]) ?? 0, cmsdStatic: optText(n["cmsd_static"]), cmsdDynamic: optText(n["cmsd_dynamic"]))
    case "request_failed": return .requestFailed(id: u64(n["id"]), failure: try failure(n["failure"]))
    case "request_cancelled": return .requestCancelled(id: u64(n["id"]))
    case "buffer": return .buffer(media: media(n["media"]), level: seconds(n["level_ms"]) ?? 0)
    case "playback": return .playback(state: try state(n["state"]), rate: (n["rate"] as? NSNumber)?.doubleValue ?? 1)
    case "position": return .position(position: seconds(n["position_ms"]) ?? 0, latency: seconds(n["latency_ms"]))
    case "seek": return .seek(position: seconds(n["position_ms"]) ?? 0)
    case "frames": return .frames(dropped: u64(n["dropped"]), total: u64(n["total"]))
    case "viewport": return .viewport(maxHeight: optU32(n["max_height"]), maxBitrateBps: optU64(n["max_bitrate_bps"]))
    case "transfer_started":
        return .transferStarted(id: u64(n["id"]), rendition: optU32(n["rendition"]), kind: (n["kind"] as? String) == "init" ? .`init` : .media, duration: seconds(n["duration_ms"]), pathway: optText(n["pathway"]))
    case "advice_wanted":
        return .adviceWanted(segmentDuration: seconds(n["segment_duration_ms"]), sizes: ((n["sizes"] as? [NSNumber]) ?? []).map { $0.uint64Value }, remaining: optU32(n["remaining"]))
    default:
        throw RecordingError.malformed("event type \(type)")
    }
}
