// What every browser-test page measures the same way, whatever the player: start-up, stalls
// (the media element waiting for data after the first frame, for at least STALL_MIN_MS: a
// wait of a few milliseconds while a new initialization segment is appended is counted as
// a blip, not a stall a viewer sees), and the played bitrate and
// switches from the representation of each segment as the play head reaches it (the last
// one fetched for that time wins, as in the buffer).
const STALL_MIN_MS = 100;

export function measure(video, abr, player) {
  const t0 = performance.now();
  const r = {
    abr, player, ended: false, error: null, startup_s: null, stalls: 0, stall_s: 0, switches: 0,
    played_s: 0, avg_bitrate_kbps: 0, levels_played: [], agent: null, blips: 0,
  };
  window.__results = r;
  let stallStart = null;
  // Segments by their index in the media (the test media's segments are all one length; a
  // player's start times may differ from it by a frame): index -> { level, kbps, duration }.
  const segments = new Map();
  let next = 0;
  let kbpsSeconds = 0;
  let lastLevel = -1;
  const api = {
    results: r,
    /** A media segment of `duration` s from `start` s arrived at `level` (`kbps`). */
    segment(start, duration, level, kbps) {
      if (!(duration > 0)) return;
      const index = Math.floor((start + duration / 2) / duration);
      segments.set(index, { index, duration, level, kbps });
    },
    /** The play head moved: account the segments whose middle it passed. */
    advance() {
      const t = video.currentTime;
      for (let s = segments.get(next); s && (s.index + 0.5) * s.duration <= t + 0.001; s = segments.get(next)) {
        kbpsSeconds += s.kbps * s.duration;
        r.played_s += s.duration;
        r.avg_bitrate_kbps = Math.round(kbpsSeconds / r.played_s);
        if (lastLevel >= 0 && s.level !== lastLevel) r.switches++;
        lastLevel = s.level;
        r.levels_played.push(s.level);
        next++;
      }
    },
  };
  let stallTimer = null;
  video.addEventListener('playing', () => {
    const t = performance.now();
    if (r.startup_s === null) r.startup_s = (t - t0) / 1000;
    if (stallStart !== null) {
      const ms = t - stallStart;
      if (ms >= STALL_MIN_MS) r.stall_s += ms / 1000;
      else r.blips++;
      stallStart = null;
      clearTimeout(stallTimer);
    }
  });
  video.addEventListener('waiting', () => {
    if (r.startup_s !== null && stallStart === null && !video.ended) {
      stallStart = performance.now();
      // Counted once it has lasted long enough to be seen.
      stallTimer = setTimeout(() => { r.stalls++; }, STALL_MIN_MS);
    }
  });
  video.addEventListener('timeupdate', () => {
    api.advance();
    // A player that stops a hair before the end without an `ended` event has still played
    // the media through.
    if (Number.isFinite(video.duration) && video.currentTime >= video.duration - 0.1) api.finish();
  });
  api.finish = () => {
    if (r.ended) return;
    api.advance();
    api.onEnd?.();
    r.ended = true;
  };
  video.addEventListener('ended', () => api.finish());
  return api;
}
