/*
 * A C host for libdmoe: a simulated player that streams a generated four-rung HLS
 * presentation (60 segments of 4 s) over a throughput trace (Pensieve format:
 * `time_s  Mbps` per line), driving the agent as a real player does: it reports every
 * fact (request start, progress, completion, buffer level, playback state), drains the
 * typed decisions after each, honours timeouts, abandons and cancels, and stops at the
 * session's end.
 *   player TRACE_FILE
 * Prints each segment fetched and, last, one summary line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmoe.h"

#define SEGMENTS 60
#define SEGMENT_US 4000000ull
#define RTT_US 50000ull
#define PROGRESS_US 250000ull
#define NONE UINT64_MAX

/* --- the network: a throughput trace, looped ------------------------------------------ */

#define MAX_POINTS 100000
static double trace_t[MAX_POINTS], trace_mbps[MAX_POINTS];
static int trace_n = 0;

static double bps_at(uint64_t us) {
  double t = (double)us / 1e6, period = trace_t[trace_n - 1];
  if (period > 0) t -= period * (double)(long)(t / period);
  for (int i = trace_n - 1; i >= 0; i--)
    if (trace_t[i] <= t) return (trace_mbps[i] > 0.05 ? trace_mbps[i] : 0.05) * 1e6;
  return trace_mbps[0] * 1e6;
}

/* Bytes the link moves from `from` to `to` (µs), in 10 ms steps. */
static double bytes_between(uint64_t from, uint64_t to) {
  double bytes = 0;
  for (uint64_t t = from; t < to;) {
    uint64_t step = to - t < 10000 ? to - t : 10000;
    bytes += bps_at(t) / 8.0 * (double)step / 1e6;
    t += step;
  }
  return bytes;
}

/* --- the presentation ------------------------------------------------------------------ */

static const char *MASTER =
    "#EXTM3U\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=480x270\nlow/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=960x540\nmid/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nhigh/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=4500000,RESOLUTION=1920x1080\ntop/index.m3u8\n";

static const char *media_playlist(void) {
  static char buf[8192];
  int n = snprintf(buf, sizeof buf, "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n");
  for (int i = 0; i < SEGMENTS; i++) n += snprintf(buf + n, sizeof buf - n, "#EXTINF:4.0,\nseg%d.m4s\n", i);
  snprintf(buf + n, sizeof buf - n, "#EXT-X-ENDLIST\n");
  return buf;
}

/* --- the player's state ---------------------------------------------------------------- */

typedef struct {
  int active;
  uint64_t id, started, bytes, duration_us, bitrate_bps;
  double received;
  int media;
  char url[512];
} transfer;

static struct {
  uint64_t now, timeout_at;
  int64_t buffer_us;
  int playing, stalled, ended, segments, stalls, abandons, reports, after_end;
  uint64_t stall_us, stall_since;
  transfer fetch;      /* the next fetch the agent asked for, not yet sent */
  transfer current;    /* the transfer in flight */
  int playlist_wanted; /* a media playlist to load (its rendition), -1: none */
  int final_reports;
} P;

static void fail(dmoe_agent *a, dmoe_status s, const char *what) {
  char msg[512];
  size_t n = 0;
  if (dmoe_agent_last_error(a, (uint8_t *)msg, sizeof msg - 1, &n) != DMOE_STATUS_OK) n = 0;
  msg[n] = 0;
  fprintf(stderr, "%s: status %d: %s\n", what, (int)s, msg);
  exit(1);
}

static void copy_str(char *dst, size_t cap, dmoe_str s) {
  size_t n = s.len < cap - 1 ? s.len : cap - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = 0;
}

static void take_fetch(const dmoe_output *o) {
  memset(&P.fetch, 0, sizeof P.fetch);
  P.fetch.active = 1;
  P.fetch.id = o->id;
  P.fetch.media = o->object == DMOE_OBJECT_MEDIA;
  P.fetch.duration_us = o->duration_us;
  P.fetch.bitrate_bps = o->bitrate_bps;
  /* A real player learns the size from the response; the simulation sets it from the
   * rendition's bitrate. */
  P.fetch.bytes = o->has_range ? o->range_length : o->bitrate_bps * o->duration_us / 8000000ull;
  if (P.fetch.bytes == 0) P.fetch.bytes = 1000;
  copy_str(P.fetch.url, sizeof P.fetch.url, o->url);
}

/* Every waiting decision, acted on. */
static void drain(dmoe_agent *a) {
  dmoe_output o;
  dmoe_status s;
  while ((s = dmoe_agent_poll(a, &o)) == DMOE_STATUS_OK) {
    if (P.ended) P.after_end++;
    switch (o.kind) {
      case DMOE_OUTPUT_FETCH:
        take_fetch(&o);
        break;
      case DMOE_OUTPUT_ABANDON:
        /* Drop the transfer (the agent knows; no report), fetch the replacement. */
        if (P.current.active && P.current.id == o.cancel_id) P.current.active = 0;
        P.abandons++;
        take_fetch(&o);
        break;
      case DMOE_OUTPUT_CANCEL:
        if (P.current.active && P.current.id == o.cancel_id) P.current.active = 0;
        break;
      case DMOE_OUTPUT_LOAD_PLAYLIST:
        if (!o.prefetch) P.playlist_wanted = (int)o.rendition;
        break;
      case DMOE_OUTPUT_TIMEOUT:
        P.timeout_at = o.at_us;
        break;
      case DMOE_OUTPUT_TELEMETRY:
        /* o.text is the JSON report for a controller; a player forwards it as is. */
        P.reports++;
        if (o.last) P.final_reports++;
        break;
      case DMOE_OUTPUT_END:
        P.ended = 1;
        P.timeout_at = NONE;
        break;
      default: /* probes, steering, manifest reloads, rates: not in this presentation */
        break;
    }
  }
  if (s != DMOE_STATUS_NOTHING) fail(a, s, "poll");
}

static void give(dmoe_agent *a, dmoe_status s, const char *what) {
  if (s != DMOE_STATUS_OK) fail(a, s, what);
  drain(a);
}

/* Play media from P.now to `to`: the buffer drains while playing; an empty buffer stalls. */
static void play_until(dmoe_agent *a, uint64_t to) {
  if (P.playing && !P.stalled) {
    int64_t elapsed = (int64_t)(to - P.now);
    if (elapsed >= P.buffer_us && P.segments < SEGMENTS) {
      /* The buffer runs dry before `to`: report the stall when it happened. */
      P.now += (uint64_t)P.buffer_us;
      P.buffer_us = 0;
      P.stalled = 1;
      P.stalls++;
      P.stall_since = P.now;
      give(a, dmoe_agent_playback(a, P.now, DMOE_PLAYBACK_STALLED, 1.0), "stall");
    } else {
      P.buffer_us = P.buffer_us > elapsed ? P.buffer_us - elapsed : 0;
    }
  }
  P.now = to;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: player TRACE_FILE\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  while (trace_n < MAX_POINTS && fscanf(f, "%lf %lf", &trace_t[trace_n], &trace_mbps[trace_n]) == 2) trace_n++;
  fclose(f);
  if (trace_n < 2) {
    fprintf(stderr, "%s: need two or more `time Mbps` lines\n", argv[1]);
    return 1;
  }

  dmoe_agent *a = NULL;
  const char *cfg = "{\"seed\": 1, \"cmcd\": {\"mode\": \"query\"}}";
  char why[256];
  size_t why_n = 0;
  dmoe_status s = dmoe_agent_new((const uint8_t *)cfg, strlen(cfg), &a, (uint8_t *)why, sizeof why - 1, &why_n);
  if (s != DMOE_STATUS_OK) {
    why[why_n] = 0;
    fprintf(stderr, "configuration refused: %s\n", why);
    return 1;
  }
  P.timeout_at = NONE;
  P.playlist_wanted = -1;
  const char *url = "https://cdn.example/show/master.m3u8";
  give(a, dmoe_agent_manifest_loaded(a, 0, (const uint8_t *)url, strlen(url), (const uint8_t *)MASTER, strlen(MASTER)),
       "manifest");

  for (int guard = 0; guard < 1000000 && !P.ended; guard++) {
    if (P.playlist_wanted >= 0) {
      int r = P.playlist_wanted;
      P.playlist_wanted = -1;
      play_until(a, P.now + RTT_US);
      const char *pl = media_playlist();
      give(a, dmoe_agent_playlist_loaded(a, P.now, (uint32_t)r, (const uint8_t *)pl, strlen(pl)), "playlist");
      continue;
    }
    if (P.fetch.active && !P.current.active) {
      P.current = P.fetch;
      P.fetch.active = 0;
      P.current.started = P.now;
      give(a, dmoe_agent_request_started(a, P.now, P.current.id), "started");
      continue;
    }
    /* The next thing to happen: a progress report or the end of the transfer, the
     * agent's timeout, or (nothing else pending) the end of the media. */
    uint64_t next = NONE;
    if (P.current.active) next = P.now + PROGRESS_US;
    if (P.timeout_at != NONE && P.timeout_at > P.now && P.timeout_at < next) next = P.timeout_at;
    if (next == NONE) {
      if (P.segments < SEGMENTS || !P.playing) break; /* the agent asks for nothing: stuck */
      /* Everything fetched: play the buffer out, then the end. */
      play_until(a, P.now + (uint64_t)P.buffer_us);
      give(a, dmoe_agent_playback(a, P.now, DMOE_PLAYBACK_ENDED, 1.0), "ended");
      continue;
    }
    if (P.current.active) {
      /* Move bytes up to `next` (after the round trip to the first byte). */
      uint64_t from = P.now > P.current.started + RTT_US ? P.now : P.current.started + RTT_US;
      if (next > from) P.current.received += bytes_between(from, next);
    }
    play_until(a, next);
    if (P.current.active && P.current.received >= (double)P.current.bytes) {
      transfer done = P.current;
      P.current.active = 0;
      give(a, dmoe_agent_request_completed(a, P.now, done.id, done.bytes, RTT_US, NULL, 0, NULL, 0), "completed");
      if (done.media) {
        P.buffer_us += (int64_t)done.duration_us;
        P.segments++;
        printf("%7.2f s  seg %2d  %5llu kbps  buffer %5.1f s  %.60s\n", (double)P.now / 1e6, P.segments,
               (unsigned long long)(done.bitrate_bps / 1000), (double)P.buffer_us / 1e6, done.url);
      }
      give(a, dmoe_agent_buffer(a, P.now, DMOE_MEDIA_VIDEO, (uint64_t)P.buffer_us), "buffer");
      if (P.stalled && P.buffer_us >= (int64_t)SEGMENT_US) {
        P.stalled = 0;
        P.stall_us += P.now - P.stall_since;
        give(a, dmoe_agent_playback(a, P.now, DMOE_PLAYBACK_PLAYING, 1.0), "resume");
      }
      if (!P.playing && P.buffer_us >= (int64_t)SEGMENT_US) {
        P.playing = 1;
        give(a, dmoe_agent_playback(a, P.now, DMOE_PLAYBACK_PLAYING, 1.0), "playing");
      }
    } else if (P.current.active) {
      give(a, dmoe_agent_request_progress(a, P.now, P.current.id, (uint64_t)P.current.received), "progress");
    } else if (P.now == P.timeout_at) {
      P.timeout_at = NONE;
      give(a, dmoe_agent_tick(a, P.now), "tick");
    }
  }
  /* After the end nothing more is asked for: a later tick gives no timeout or report. */
  int reports_at_end = P.reports;
  give(a, dmoe_agent_tick(a, P.now + 60000000ull), "tick after the end");
  int extra = P.reports - reports_at_end + (P.timeout_at != NONE);
  dmoe_qoe q;
  give(a, dmoe_agent_qoe(a, &q), "qoe");
  printf("agent's QoE: start-up %.2f s, %u stalls (%.2f s), %.0f kbps average, %u switches, %d reports\n",
         (double)q.startup_us / 1e6, q.rebuffer_count, (double)q.rebuffer_us / 1e6, q.avg_bitrate_bps / 1e3, q.switches,
         P.reports);
  printf("libdmoe %s: %d segments, %d stalls, %.2f s stalled, %d abandoned, %s: %d final report, %d outputs after it\n",
         dmoe_version(), P.segments, P.stalls, (double)P.stall_us / 1e6, P.abandons,
         P.ended && q.over ? "ended" : "DID NOT END", P.final_reports, P.after_end + extra);
  dmoe_agent_free(a);
  return P.segments == SEGMENTS && P.ended && P.final_reports == 1 && P.after_end + extra == 0 ? 0 : 1;
}
