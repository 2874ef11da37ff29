/*
 * A minimal C host for libdmoe: a simulated player that streams a generated four-rung HLS
 * presentation over a throughput trace (Pensieve format: `time_s  Mbps` per line), driving
 * the agent the way a real player would: report events, drain decisions, honour timeouts.
 *   player TRACE_FILE
 * Prints each fetch decision and the final telemetry report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmoe.h"

#define MAX_POINTS 100000
static double trace_t[MAX_POINTS], trace_mbps[MAX_POINTS];
static int trace_n = 0;

static double mbps_at(double t) {
  double period = trace_t[trace_n - 1];
  if (period > 0) t = t - period * (double)(long)(t / period); /* loop the trace */
  for (int i = trace_n - 1; i >= 0; i--)
    if (trace_t[i] <= t) return trace_mbps[i] > 0.05 ? trace_mbps[i] : 0.05;
  return trace_mbps[0];
}

/* Seconds to move `bytes` starting at time t, stepping through the trace in 100 ms. */
static double transfer_s(double t, double bytes) {
  double bits = bytes * 8.0, now = t;
  for (;;) {
    double rate = mbps_at(now) * 1e6, step = 0.1;
    if (rate * step >= bits) return now - t + bits / rate;
    bits -= rate * step;
    now += step;
  }
}

static int json_str(const char *json, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = strstr(json, pat);
  if (!p) return 0;
  p += strlen(pat);
  size_t k = 0;
  while (p[k] && p[k] != '"' && k + 1 < cap) { out[k] = p[k]; k++; }
  out[k] = 0;
  return 1;
}

static double json_num(const char *json, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? strtod(p + strlen(pat), NULL) : -1;
}

static char *media_playlist(void) {
  static char buf[8192];
  int n = snprintf(buf, sizeof buf, "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n");
  for (int i = 0; i < 60; i++) n += snprintf(buf + n, sizeof buf - n, "#EXTINF:4.0,\nseg%d.m4s\n", i);
  snprintf(buf + n, sizeof buf - n, "#EXT-X-ENDLIST\n");
  return buf;
}

static const char *MASTER =
    "#EXTM3U\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=480x270\nlow/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=960x540\nmid/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nhigh/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=4500000,RESOLUTION=1920x1080\ntop/index.m3u8\n";

/* The agent's decisions: the next action (fetch or playlist load) and the next timeout. */
static char action[8192];
static double timeout = -1;

static void collect(dmoe_agent *a) {
  const uint8_t *p;
  size_t n;
  while (dmoe_agent_poll(a, &p, &n) == DMOE_STATUS_OK) {
    char out[8192];
    size_t k = n < sizeof out - 1 ? n : sizeof out - 1;
    memcpy(out, p, k);
    out[k] = 0;
    if (strncmp(out, "{\"type\":\"timeout\"", 17) == 0) timeout = json_num(out, "at") / 1e6;
    else if (!action[0] && (strncmp(out, "{\"type\":\"fetch\"", 15) == 0 ||
                            strncmp(out, "{\"type\":\"load_playlist\"", 23) == 0))
      memcpy(action, out, k + 1);
  }
}

static void check(dmoe_status s, dmoe_agent *a, const char *what) {
  if (s == DMOE_STATUS_OK) {
    collect(a);
    return;
  }
  char msg[512];
  size_t n = 0;
  dmoe_agent_last_error(a, (uint8_t *)msg, sizeof msg - 1, &n);
  msg[n] = 0;
  fprintf(stderr, "%s: status %d: %s\n", what, (int)s, msg);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: player TRACE_FILE\n"); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 1; }
  while (trace_n < MAX_POINTS && fscanf(f, "%lf %lf", &trace_t[trace_n], &trace_mbps[trace_n]) == 2) trace_n++;
  fclose(f);
  if (trace_n < 2) { fprintf(stderr, "%s: need two or more `time Mbps` lines\n", argv[1]); return 1; }

  dmoe_agent *a = NULL;
  const char *cfg = "{\"seed\": 1, \"cmcd\": {\"mode\": \"query\"}}";
  if (dmoe_agent_new((const uint8_t *)cfg, strlen(cfg), &a) != DMOE_STATUS_OK) return 1;
  const char *url = "https://cdn.example/show/master.m3u8";
  double now = 0, buffer = 0, stall_s = 0;
  int playing = 0, segments = 0, stalls = 0;
  check(dmoe_agent_manifest_loaded(a, 0, (const uint8_t *)url, strlen(url), (const uint8_t *)MASTER, strlen(MASTER)), a, "manifest");
  for (int guard = 0; guard < 100000 && segments < 60; guard++) {
    char current[8192];
    memcpy(current, action, sizeof current);
    action[0] = 0;
    dmoe_status s;
    if (strncmp(current, "{\"type\":\"load_playlist\"", 23) == 0) {
      now += 0.05;
      const char *pl = media_playlist();
      s = dmoe_agent_playlist_loaded(a, (uint64_t)(now * 1e6), (uint32_t)json_num(current, "rendition"), (const uint8_t *)pl, strlen(pl));
      check(s, a, "playlist");
    } else if (current[0]) {
      uint64_t id = (uint64_t)json_num(current, "id");
      double kbps = json_num(current, "bitrate_kbps"), dur = json_num(current, "duration");
      char fetch_url[1024] = "";
      json_str(current, "url", fetch_url, sizeof fetch_url);
      double bytes = kbps * 125.0 * dur, rtt = 0.05;
      double took = rtt + transfer_s(now + rtt, bytes);
      check(dmoe_agent_request_started(a, (uint64_t)(now * 1e6), id), a, "started");
      /* Play out the buffer while the segment downloads. */
      int stalled = 0;
      if (playing) {
        if (took > buffer) {
          /* The buffer runs dry mid-download: tell the agent when it happened. */
          check(dmoe_agent_playback(a, (uint64_t)((now + buffer) * 1e6), DMOE_PLAYBACK_STALLED, 1.0), a, "stall");
          stall_s += took - buffer; stalls++; buffer = 0; stalled = 1;
        }
        else buffer -= took;
      }
      now += took;
      check(dmoe_agent_request_completed(a, (uint64_t)(now * 1e6), id, (uint64_t)bytes, (uint64_t)(rtt * 1e6), NULL, 0, NULL, 0), a, "completed");
      buffer += dur;
      segments++;
      if (stalled) check(dmoe_agent_playback(a, (uint64_t)(now * 1e6), DMOE_PLAYBACK_PLAYING, 1.0), a, "resume");
      printf("%7.2f s  seg %2d  %5.0f kbps  buffer %5.1f s  %.60s\n", now, segments, kbps, buffer, fetch_url);
      check(dmoe_agent_buffer(a, (uint64_t)(now * 1e6), DMOE_MEDIA_VIDEO, (uint64_t)(buffer * 1e6)), a, "buffer");
      if (!playing && buffer >= 4) {
        playing = 1;
        check(dmoe_agent_playback(a, (uint64_t)(now * 1e6), DMOE_PLAYBACK_PLAYING, 1.0), a, "playback");
      }
    } else if (timeout > now) {
      /* Nothing to fetch (buffer full): wait for the timeout while playing. */
      double wait = timeout - now;
      if (playing) buffer = buffer > wait ? buffer - wait : 0;
      now = timeout;
      timeout = -1;
      check(dmoe_agent_tick(a, (uint64_t)(now * 1e6)), a, "tick");
    } else {
      break;
    }
  }
  const uint8_t *r; size_t rn;
  collect(a);
  if (dmoe_agent_report(a, &r, &rn) == DMOE_STATUS_OK) printf("report: %.*s\n", (int)rn, (const char *)r);
  printf("libdmoe %s: %d segments, %d stalls, %.2f s stalled\n", dmoe_version(), segments, stalls, stall_s);
  dmoe_agent_free(a);
  return segments == 60 ? 0 : 1;
}
