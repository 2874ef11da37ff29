/*
 * Tests of libdmoe's C ABI through its typed functions (no JSON parsing in the host):
 * every exported function, bad arguments, wrong order, stale handles, two threads on one
 * handle, extreme values and a whole session to its end. Plain C11 with pthreads; CHECK
 * counts failures and the exit code says. .ci/run builds it with
 * -fsanitize=address,undefined and runs it under valgrind too.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmoe.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define S(str) (const uint8_t *)(str), strlen(str)

static const char *MASTER =
    "#EXTM3U\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,PATHWAY-ID=\"a\"\n"
    "https://a.example/low.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,PATHWAY-ID=\"a\"\n"
    "https://a.example/high.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,PATHWAY-ID=\"b\"\n"
    "https://b.example/low.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,PATHWAY-ID=\"b\"\n"
    "https://b.example/high.m3u8\n";

static const char *MEDIA =
    "#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
    "#EXTINF:4.0,\ns0.m4s\n#EXTINF:4.0,\ns1.m4s\n#EXTINF:4.0,\ns2.m4s\n"
    "#EXT-X-ENDLIST\n";

/* What one drain saw. */
typedef struct {
  int outputs, fetches, playlists, timeouts, telemetry, final_reports, ends, after_end;
  uint64_t fetch_id, timeout_at_us, fetch_duration_us, fetch_bitrate;
  unsigned rendition;
  char edge[32];
  char url[256];
} drained;

static void copy_str(char *dst, size_t cap, dmoe_str s) {
  size_t n = s.len < cap - 1 ? s.len : cap - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = 0;
}

static drained drain(dmoe_agent *a) {
  drained d;
  memset(&d, 0, sizeof d);
  dmoe_output o;
  while (dmoe_agent_poll(a, &o) == DMOE_STATUS_OK) {
    d.outputs++;
    if (d.ends) d.after_end++;
    switch (o.kind) {
      case DMOE_OUTPUT_FETCH:
        d.fetches++;
        d.fetch_id = o.id;
        d.fetch_duration_us = o.duration_us;
        d.fetch_bitrate = o.bitrate_bps;
        copy_str(d.edge, sizeof d.edge, o.edge);
        copy_str(d.url, sizeof d.url, o.url);
        break;
      case DMOE_OUTPUT_LOAD_PLAYLIST:
        if (!o.prefetch) {
          d.playlists++;
          d.rendition = o.rendition;
        }
        break;
      case DMOE_OUTPUT_TIMEOUT:
        d.timeouts++;
        d.timeout_at_us = o.at_us;
        break;
      case DMOE_OUTPUT_TELEMETRY:
        d.telemetry++;
        CHECK(o.text.len > 2 && o.text.ptr[0] == '{');
        if (o.last) d.final_reports++;
        break;
      case DMOE_OUTPUT_END:
        d.ends++;
        break;
      default:
        break;
    }
  }
  return d;
}

static dmoe_agent *new_agent(const char *config) {
  dmoe_agent *a = NULL;
  dmoe_status s = dmoe_agent_new(S(config), &a, NULL, 0, NULL);
  CHECK(s == DMOE_STATUS_OK);
  return a;
}

static void last_error(dmoe_agent *a, char *buf, size_t cap) {
  size_t n = 0;
  if (dmoe_agent_last_error(a, (uint8_t *)buf, cap - 1, &n) != DMOE_STATUS_OK) n = 0;
  buf[n] = 0;
}

static void test_version(void) {
  const char *v = dmoe_version();
  CHECK(v != NULL);
  CHECK(strcmp(v, DMOE_VERSION) == 0);
  CHECK(dmoe_version_major() == DMOE_VERSION_MAJOR);
  CHECK(dmoe_version_minor() == DMOE_VERSION_MINOR);
  CHECK(dmoe_version_patch() == DMOE_VERSION_PATCH);
}

static void test_status_message(void) {
  char buf[128];
  size_t n = 0;
  CHECK(dmoe_status_message(DMOE_STATUS_MISUSE, (uint8_t *)buf, sizeof buf, &n) == DMOE_STATUS_OK);
  CHECK(n > 0 && n < sizeof buf);
  buf[n] = 0;
  CHECK(strstr(buf, "wrong use") != NULL);
  CHECK(dmoe_status_message(DMOE_STATUS_MISUSE, (uint8_t *)buf, 5, &n) == DMOE_STATUS_OK);
  CHECK(n == 5);
  CHECK(dmoe_status_message(DMOE_STATUS_OK, NULL, 0, &n) == DMOE_STATUS_NULL_ARGUMENT);
  /* A value outside the enum (C lets any integer through) is described, not trusted. */
  CHECK(dmoe_status_message(9999, (uint8_t *)buf, sizeof buf, &n) == DMOE_STATUS_OK);
  buf[n] = 0;
  CHECK(strcmp(buf, "unknown status") == 0);
  CHECK(dmoe_status_message(DMOE_STATUS_BUSY, (uint8_t *)buf, sizeof buf, &n) == DMOE_STATUS_OK);
  CHECK(dmoe_status_message(DMOE_STATUS_OK, (uint8_t *)buf, sizeof buf, NULL) == DMOE_STATUS_NULL_ARGUMENT);
}

static void test_new_and_free(void) {
  dmoe_agent *a = NULL;
  char why[256];
  size_t n = 0;
  CHECK(dmoe_agent_new(NULL, 0, NULL, NULL, 0, NULL) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_new(NULL, 5, &a, NULL, 0, NULL) == DMOE_STATUS_INVALID_CONFIG);
  CHECK(a == NULL);
  CHECK(dmoe_agent_new(S("{\"abr\":\"nope\"}"), &a, (uint8_t *)why, sizeof why, &n) == DMOE_STATUS_INVALID_CONFIG);
  CHECK(n > 0 && n < sizeof why);
  why[n] = 0;
  CHECK(strstr(why, "abr") != NULL);
  n = 0;
  CHECK(dmoe_agent_new(S("{\"max_buffer_ms\": 1}"), &a, (uint8_t *)why, sizeof why, &n) == DMOE_STATUS_INVALID_CONFIG);
  why[n] = 0;
  CHECK(strstr(why, "max_buffer_ms") != NULL);
  CHECK(dmoe_agent_new(S("not json"), &a, NULL, 0, NULL) == DMOE_STATUS_INVALID_CONFIG);
  const uint8_t bad[] = {'{', 0xff, '}'};
  CHECK(dmoe_agent_new(bad, sizeof bad, &a, (uint8_t *)why, sizeof why, &n) == DMOE_STATUS_INVALID_CONFIG);
  CHECK(a == NULL); /* out-params untouched on failure */
  CHECK(dmoe_agent_new(NULL, 0, &a, NULL, 0, NULL) == DMOE_STATUS_OK);
  CHECK(a != NULL);
  dmoe_agent_free(a);
  dmoe_agent_free(a);    /* double free: refused, harmless */
  dmoe_agent_free(NULL); /* no-op */
  /* Use after free is refused, not undefined. */
  CHECK(dmoe_agent_tick(a, 1) == DMOE_STATUS_INVALID_HANDLE);
  CHECK(dmoe_agent_tick(NULL, 1) == DMOE_STATUS_NULL_ARGUMENT);
  /* A made-up handle is refused too. */
  CHECK(dmoe_agent_tick((dmoe_agent *)(uintptr_t)0x7fff12345678u, 1) == DMOE_STATUS_INVALID_HANDLE);
}

/* A freed handle stays refused even when a new session takes its slot. */
static void test_stale_handle(void) {
  dmoe_agent *a = new_agent("{\"seed\": 1}");
  dmoe_agent_free(a);
  dmoe_agent *b = new_agent("{\"seed\": 2}");
  CHECK(a != b);
  CHECK(dmoe_agent_tick(a, 0) == DMOE_STATUS_INVALID_HANDLE);
  dmoe_agent_free(a); /* must not free b */
  CHECK(dmoe_agent_tick(b, 0) == DMOE_STATUS_OK);
  drain(b);
  dmoe_agent_free(b);
}

/* Two default sessions draw their own entropy: different ids. */
static void test_default_sessions_differ(void) {
  char ids[2][64];
  for (int i = 0; i < 2; i++) {
    dmoe_agent *a = new_agent("");
    size_t n = 0;
    CHECK(dmoe_agent_session_id(a, (uint8_t *)ids[i], sizeof ids[i] - 1, &n) == DMOE_STATUS_OK);
    CHECK(n == 36);
    ids[i][n] = 0;
    dmoe_agent_free(a);
  }
  CHECK(strcmp(ids[0], ids[1]) != 0);
}

/* Two threads calling one handle: every call answers OK, BUSY (another thread was in a
 * call) or MISUSE (the other thread's outputs were waiting, or its clock was ahead);
 * never a crash. Run under the sanitizers and valgrind. */
typedef struct {
  dmoe_agent *a;
  int ok, busy, misuse, other;
} hammer;

static void *hammer_run(void *arg) {
  hammer *h = arg;
  for (int i = 0; i < 2000; i++) {
    dmoe_status s = dmoe_agent_tick(h->a, (uint64_t)i * 1000);
    if (s == DMOE_STATUS_OK) h->ok++;
    else if (s == DMOE_STATUS_BUSY) h->busy++;
    else if (s == DMOE_STATUS_MISUSE) h->misuse++;
    else h->other++;
    dmoe_output o;
    dmoe_status p;
    while ((p = dmoe_agent_poll(h->a, &o)) == DMOE_STATUS_OK) {
    }
    if (p != DMOE_STATUS_NOTHING && p != DMOE_STATUS_BUSY) h->other++;
  }
  return NULL;
}

static void test_two_threads(void) {
  dmoe_agent *a = new_agent("{\"seed\": 4}");
  hammer h[2] = {{a, 0, 0, 0, 0}, {a, 0, 0, 0, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, hammer_run, &h[i]) == 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  CHECK(h[0].other == 0 && h[1].other == 0);
  CHECK(h[0].ok + h[1].ok > 0);
  dmoe_agent_free(a);
}

static void test_session(void) {
  dmoe_agent *a = new_agent("{\"seed\": 9, \"cmcd\": {\"mode\": \"query\"}}");
  uint64_t now = 0;
  char err[256];
  size_t n = 0;

  /* Bad manifest, invalid UTF-8, NULL with a length. */
  CHECK(dmoe_agent_manifest_loaded(a, now, S("https://a.example/m.m3u8"), S("garbage")) ==
        DMOE_STATUS_INVALID_MANIFEST);
  last_error(a, err, sizeof err);
  CHECK(strstr(err, "manifest") != NULL);
  CHECK(dmoe_agent_last_error(NULL, (uint8_t *)err, sizeof err, &n) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_last_error(a, NULL, 0, &n) == DMOE_STATUS_NULL_ARGUMENT);
  const uint8_t bad[] = {0xc3, 0x28};
  CHECK(dmoe_agent_manifest_loaded(a, now, bad, sizeof bad, S(MASTER)) == DMOE_STATUS_INVALID_UTF8);
  CHECK(dmoe_agent_manifest_loaded(a, now, NULL, 3, S(MASTER)) == DMOE_STATUS_NULL_ARGUMENT);

  CHECK(dmoe_agent_manifest_loaded(a, now, S("https://a.example/m.m3u8"), S(MASTER)) == DMOE_STATUS_OK);
  /* A success clears the last error. */
  last_error(a, err, sizeof err);
  CHECK(err[0] == 0);
  /* Outputs are waiting: a new input is misuse, and says what to do. */
  CHECK(dmoe_agent_tick(a, now) == DMOE_STATUS_MISUSE);
  last_error(a, err, sizeof err);
  CHECK(strstr(err, "dmoe_agent_poll") != NULL);
  CHECK(dmoe_agent_poll(a, NULL) == DMOE_STATUS_NULL_ARGUMENT);
  drained d = drain(a);
  CHECK(d.playlists == 1);
  dmoe_output o;
  CHECK(dmoe_agent_poll(a, &o) == DMOE_STATUS_NOTHING);

  now += 30000;
  CHECK(dmoe_agent_playlist_loaded(a, now, d.rendition, S(MEDIA)) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  CHECK(d.fetch_duration_us == 4000000);
  CHECK(d.fetch_bitrate == 800000 || d.fetch_bitrate == 3000000);
  CHECK(strstr(d.url, "CMCD=") != NULL);
  /* Equal pathways, no steering: rendezvous hashing of the session id picks one. */
  char first_edge[32];
  memcpy(first_edge, d.edge, sizeof first_edge);
  CHECK(strcmp(first_edge, "a") == 0 || strcmp(first_edge, "b") == 0);
  uint64_t id = d.fetch_id;
  CHECK(dmoe_agent_playlist_loaded(a, now, 99, S(MEDIA)) == DMOE_STATUS_MISUSE);

  /* The request: started, progress, completed with CMSD headers. */
  CHECK(dmoe_agent_request_started(a, now + 1000, id) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_progress(a, now + 200000, id, 100000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_started(a, now + 200001, 12345) == DMOE_STATUS_MISUSE);
  CHECK(dmoe_agent_request_completed(a, now + 400000, id, 400000, 50000, S("ot=v,d=4000"),
                                     S("\"a\";etp=9000;rtt=20")) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  id = d.fetch_id;
  now += 400000;

  /* Time going backwards is misuse. */
  CHECK(dmoe_agent_buffer(a, now - 1, DMOE_MEDIA_VIDEO, 4000000) == DMOE_STATUS_MISUSE);
  last_error(a, err, sizeof err);
  CHECK(strstr(err, "time went backwards") != NULL);
  CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_VIDEO, 4000000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_AUDIO, 4000000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_buffer(a, now, 7, 4000000) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, now, 42, 1.0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_PLAYING, 1.0) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_PLAYING, -3.0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_position(a, now, 1000000, false, 0) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_viewport(a, now, 720, 0) == DMOE_STATUS_OK);
  drain(a);

  /* The request fails: the same segment goes to the other pathway (after its playlist). */
  CHECK(dmoe_agent_request_failed(a, now + 50000, id, DMOE_FAILURE_HTTP, 503) == DMOE_STATUS_OK);
  d = drain(a);
  now += 50000;
  for (int lists = 0; d.playlists == 1 && d.fetches == 0 && lists < 2; lists++) {
    CHECK(dmoe_agent_playlist_loaded(a, now + 30000, d.rendition, S(MEDIA)) == DMOE_STATUS_OK);
    d = drain(a);
    now += 30000;
  }
  CHECK(d.fetches == 1);
  CHECK(d.edge[0] != 0 && strcmp(d.edge, first_edge) != 0);
  CHECK(dmoe_agent_request_failed(a, now + 60000, d.fetch_id, DMOE_FAILURE_TIMEOUT, 0) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_failed(a, now + 70000, 4242, DMOE_FAILURE_CONNECTION, 0) == DMOE_STATUS_MISUSE);
  CHECK(dmoe_agent_request_failed(a, now + 70000, 4242, 99, 0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_request_cancelled(a, now + 70000, 4242) == DMOE_STATUS_MISUSE);
  CHECK(dmoe_agent_playlist_failed(a, now + 70000, true, 0, DMOE_FAILURE_HTTP, 404) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_steering_failed(a, now + 70000) == DMOE_STATUS_OK);
  drain(a);

  /* Any input as JSON (times in ms), including a bad one. */
  CHECK(dmoe_agent_handle_input_json(a, S("{\"at_ms\": 9000, \"type\": \"frames\", \"dropped\": 3, \"total\": 900}")) ==
        DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_handle_input_json(a, S("{\"at_ms\": 9000.001, \"type\": \"warp\"}")) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_handle_input_json(a, NULL, 4) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_tick(a, 9000002) == DMOE_STATUS_OK);
  drain(a);
  /* The JSON form of outputs is there too. */
  CHECK(dmoe_agent_tick(a, 9500000) == DMOE_STATUS_OK);
  const uint8_t *p = NULL;
  while (dmoe_agent_poll_json(a, &p, &n) == DMOE_STATUS_OK) CHECK(n > 2 && p[0] == '{');
  CHECK(dmoe_agent_poll_json(a, NULL, &n) == DMOE_STATUS_NULL_ARGUMENT);

  /* The figures, typed; the report, a JSON view for the controller. */
  dmoe_qoe q;
  CHECK(dmoe_agent_qoe(a, &q) == DMOE_STATUS_OK);
  CHECK(q.dropped_frames == 3 && q.total_frames == 900);
  CHECK(q.started && q.startup_us > 0);
  CHECK(!q.over);
  CHECK(dmoe_agent_qoe(a, NULL) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_report(a, &p, &n) == DMOE_STATUS_OK);
  CHECK(n > 10 && p[0] == '{');
  CHECK(dmoe_agent_report(a, NULL, &n) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_report(NULL, &p, &n) == DMOE_STATUS_NULL_ARGUMENT);
  dmoe_agent_free(a);
  CHECK(dmoe_agent_report(a, &p, &n) == DMOE_STATUS_INVALID_HANDLE);
  CHECK(dmoe_agent_last_error(a, (uint8_t *)err, sizeof err, &n) == DMOE_STATUS_INVALID_HANDLE);
}

/* Values at the edges of their types: refused with a reason or taken; nothing queued by a
 * refused one, and no crash. */
static void test_extreme_values(void) {
  dmoe_agent *a = new_agent("{\"seed\": 6}");
  CHECK(dmoe_agent_manifest_loaded(a, 0, S("https://e.example/v/index.m3u8"), S(MEDIA)) == DMOE_STATUS_OK);
  drained d = drain(a);
  CHECK(d.fetches == 1);
  uint64_t id = d.fetch_id;
  CHECK(dmoe_agent_playback(a, 1, DMOE_PLAYBACK_PLAYING, NAN) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, 1, DMOE_PLAYBACK_PLAYING, INFINITY) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, 1, DMOE_PLAYBACK_PLAYING, 17.0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_buffer(a, 1, DMOE_MEDIA_VIDEO, UINT64_MAX) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_request_failed(a, 1, id, DMOE_FAILURE_HTTP, 0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_request_failed(a, 1, id, DMOE_FAILURE_HTTP, 65535) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_frames(a, 1, 10, 5) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_seek(a, 1, UINT64_MAX) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_request_completed(a, 1, id, 1, UINT64_MAX, NULL, 0, NULL, 0) == DMOE_STATUS_INVALID_INPUT);
  char err[256];
  last_error(a, err, sizeof err);
  CHECK(strstr(err, "ttfb") != NULL);
  d = drain(a);
  CHECK(d.outputs == 0);
  /* A tiny rate is valid; the largest clock too. */
  CHECK(dmoe_agent_playback(a, 1, DMOE_PLAYBACK_PLAYING, 1e-300) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_tick(a, UINT64_MAX) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_tick(a, 5) == DMOE_STATUS_MISUSE);
  dmoe_agent_free(a);
}

/* A player that parses manifests itself hands the agent its ladder and segment lists. */
static void test_host_parsed(void) {
  dmoe_agent *a = new_agent("{\"seed\": 3}");
  const char *codecs = "avc1.4d401e,mp4a.40.2";
  dmoe_rendition ladder[2];
  memset(ladder, 0, sizeof ladder);
  const char *urls[2] = {"https://cdn.example/low/index.m3u8", "https://cdn.example/high/index.m3u8"};
  for (int i = 0; i < 2; i++) {
    ladder[i].bandwidth_bps = i == 0 ? 800000 : 3000000;
    ladder[i].width = i == 0 ? 640 : 1280;
    ladder[i].height = i == 0 ? 360 : 720;
    ladder[i].codecs = (const uint8_t *)codecs;
    ladder[i].codecs_len = strlen(codecs);
    ladder[i].url = (const uint8_t *)urls[i];
    ladder[i].url_len = strlen(urls[i]);
  }
  /* Nothing playable, a NULL list with a count. */
  CHECK(dmoe_agent_ladder_loaded(a, 0, S("https://cdn.example/m.m3u8"), NULL, 0) == DMOE_STATUS_UNSUPPORTED);
  CHECK(dmoe_agent_ladder_loaded(a, 0, S("https://cdn.example/m.m3u8"), NULL, 2) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_ladder_loaded(a, 0, S("https://cdn.example/m.m3u8"), ladder, 2) == DMOE_STATUS_OK);
  drained d = drain(a);
  CHECK(d.playlists == 1);
  unsigned r = d.rendition;

  const char *init_url = "https://cdn.example/low/init.mp4";
  dmoe_init init = {(const uint8_t *)init_url, strlen(init_url), 0, 0};
  char seg_urls[3][64];
  dmoe_segment segs[3];
  memset(segs, 0, sizeof segs);
  for (int i = 0; i < 3; i++) {
    snprintf(seg_urls[i], sizeof seg_urls[i], "https://cdn.example/low/%d.m4s", i);
    segs[i].number = (uint64_t)i;
    segs[i].start_us = (uint64_t)i * 4000000;
    segs[i].duration_us = 4000000;
    segs[i].url = (const uint8_t *)seg_urls[i];
    segs[i].url_len = strlen(seg_urls[i]);
    segs[i].init = 0;
  }
  /* Numbers out of order, an init index past the list, an unknown rendition: typed. */
  segs[2].number = 1;
  CHECK(dmoe_agent_segments_loaded(a, 10, r, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_INVALID_INPUT);
  segs[2].number = 2;
  segs[1].init = 5;
  CHECK(dmoe_agent_segments_loaded(a, 11, r, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_INVALID_INPUT);
  segs[1].init = -1;
  CHECK(dmoe_agent_segments_loaded(a, 12, 9, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_MISUSE);
  const uint8_t bad[] = {0xff};
  dmoe_init bad_init = {bad, 1, 0, 0};
  CHECK(dmoe_agent_segments_loaded(a, 13, r, true, 4000000, &bad_init, 1, segs, 3) == DMOE_STATUS_INVALID_UTF8);
  /* The good list: the init section, then the first segment. */
  CHECK(dmoe_agent_segments_loaded(a, 14, r, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  CHECK(strcmp(d.url, init_url) == 0);
  dmoe_agent_free(a);
}

/* A VOD played to its end: one final report, the end, and no timeout after it. */
static void test_session_end(void) {
  dmoe_agent *a = new_agent("{\"seed\": 8}");
  uint64_t now = 0;
  CHECK(dmoe_agent_manifest_loaded(a, now, S("https://e.example/v/index.m3u8"), S(MEDIA)) == DMOE_STATUS_OK);
  drained d = drain(a);
  for (int seg = 0; seg < 3 && d.fetches == 1; seg++) {
    uint64_t id = d.fetch_id;
    CHECK(dmoe_agent_request_started(a, now + 1000, id) == DMOE_STATUS_OK);
    drain(a);
    now += 300000;
    CHECK(dmoe_agent_request_completed(a, now, id, 400000, 40000, NULL, 0, NULL, 0) == DMOE_STATUS_OK);
    d = drain(a);
    CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_VIDEO, (uint64_t)(seg + 1) * 4000000) == DMOE_STATUS_OK);
    drained b = drain(a);
    if (d.fetches == 0) d = b;
  }
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_PLAYING, 1.0) == DMOE_STATUS_OK);
  drain(a);
  now += 12000000;
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_ENDED, 1.0) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.ends == 1);
  CHECK(d.telemetry == 1 && d.final_reports == 1);
  CHECK(d.after_end == 0);
  dmoe_qoe q;
  CHECK(dmoe_agent_qoe(a, &q) == DMOE_STATUS_OK);
  CHECK(q.over && q.rebuffer_count == 0 && q.play_us == 12000000);
  /* Nothing more: a tick after the end gives no timeout and no report. */
  CHECK(dmoe_agent_tick(a, now + 60000000) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.timeouts == 0 && d.telemetry == 0);
  dmoe_agent_free(a);
}

/* An advisor: the player fetches; the session answers which rendition. */
static void test_advisor(void) {
  dmoe_agent *a = NULL;
  CHECK(dmoe_advisor_new(S("{\"seed\": 5, \"cmcd\": {\"mode\": \"header\"}}"), &a, NULL, 0, NULL) == DMOE_STATUS_OK);
  const char *urls[2] = {"https://e.example/lo.m3u8", "https://e.example/hi.m3u8"};
  dmoe_rendition ladder[2];
  memset(ladder, 0, sizeof ladder);
  for (int i = 0; i < 2; i++) {
    ladder[i].bandwidth_bps = i == 0 ? 800000 : 3000000;
    ladder[i].url = (const uint8_t *)urls[i];
    ladder[i].url_len = strlen(urls[i]);
  }
  CHECK(dmoe_agent_advice_wanted(a, 0, 4000000, NULL, 0, false, 0) == DMOE_STATUS_MISUSE);
  CHECK(dmoe_agent_ladder_loaded(a, 0, S("https://e.example/m.m3u8"), ladder, 2) == DMOE_STATUS_OK);
  drain(a);
  /* Agent-only events are refused with a reason. */
  CHECK(dmoe_agent_steering_failed(a, 1) == DMOE_STATUS_MISUSE);
  uint64_t now = 10;
  int advices = 0, with_cmcd = 0;
  for (uint64_t seg = 0; seg < 6; seg++) {
    CHECK(dmoe_agent_advice_wanted(a, now, 4000000, NULL, 0, true, (uint32_t)(6 - seg)) == DMOE_STATUS_OK);
    dmoe_output o;
    unsigned rendition = 99;
    while (dmoe_agent_poll(a, &o) == DMOE_STATUS_OK) {
      if (o.kind == DMOE_OUTPUT_ADVICE) {
        advices++;
        rendition = o.rendition;
        CHECK(o.bitrate_bps == (o.rendition == 0 ? 800000u : 3000000u));
        for (size_t h = 0; h < o.header_count; h++)
          if (o.headers[h].name.len > 5 && memcmp(o.headers[h].name.ptr, "CMCD-", 5) == 0) with_cmcd++;
      }
    }
    CHECK(rendition < 2);
    CHECK(dmoe_agent_transfer_started(a, now + 1000, 100 + seg, true, rendition, DMOE_OBJECT_MEDIA, 4000000, NULL, 0) ==
          DMOE_STATUS_OK);
    drain(a);
    CHECK(dmoe_agent_transfer_started(a, now + 1000, 100 + seg, true, rendition, DMOE_OBJECT_MEDIA, 4000000, NULL, 0) ==
          DMOE_STATUS_MISUSE); /* the same id twice */
    CHECK(dmoe_agent_transfer_started(a, now + 1000, 900, true, rendition, 7, 0, NULL, 0) == DMOE_STATUS_INVALID_INPUT);
    now += 500000;
    CHECK(dmoe_agent_request_completed(a, now, 100 + seg, rendition == 0 ? 400000 : 1500000, 30000, NULL, 0, NULL, 0) ==
          DMOE_STATUS_OK);
    drain(a);
    CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_VIDEO, (seg + 1) * 4000000) == DMOE_STATUS_OK);
    drain(a);
  }
  CHECK(advices == 6);
  CHECK(with_cmcd >= 6);
  dmoe_agent_free(a);
}

int main(void) {
  test_version();
  test_status_message();
  test_new_and_free();
  test_stale_handle();
  test_default_sessions_differ();
  test_two_threads();
  test_session();
  test_extreme_values();
  test_host_parsed();
  test_session_end();
  test_advisor();
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
