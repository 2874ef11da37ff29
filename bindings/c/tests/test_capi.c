/*
 * Tests of libdmoe's C ABI: every exported function, with bad arguments, wrong order and
 * double free. Plain C11, no framework: CHECK counts failures and the exit code says.
 * Built with -fsanitize=address,undefined and run under valgrind by .ci/run.
 */
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

/* Poll everything; remember the last output of each interesting kind. */
typedef struct {
  int outputs;
  int fetches;
  int playlists;
  unsigned long long last_fetch_id;
  unsigned rendition;
  char last_edge[32];
} drained;

static unsigned long long json_u64(const char *json, size_t len, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *end = json + len;
  for (const char *p = json; p + strlen(pat) < end; p++) {
    if (memcmp(p, pat, strlen(pat)) == 0) return strtoull(p + strlen(pat), NULL, 10);
  }
  return 0;
}

static drained drain(dmoe_agent *a) {
  drained d;
  memset(&d, 0, sizeof d);
  const uint8_t *p = NULL;
  size_t n = 0;
  while (dmoe_agent_poll(a, &p, &n) == DMOE_STATUS_OK) {
    d.outputs++;
    /* The view is not NUL-terminated: copy it before using string functions. */
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, p, n);
    s[n] = 0;
    if (n > 16 && memcmp(s, "{\"type\":\"fetch\"", 15) == 0) {
      d.fetches++;
      d.last_fetch_id = json_u64(s, n, "id");
      const char *e = strstr(s, "\"edge\":\"");
      if (e && (size_t)(e - s) < n) {
        e += 8;
        size_t k = 0;
        while (e[k] != '"' && k + 1 < sizeof d.last_edge) {
          d.last_edge[k] = e[k];
          k++;
        }
        d.last_edge[k] = 0;
      }
    }
    if (n > 24 && memcmp(s, "{\"type\":\"load_playlist\"", 23) == 0) {
      d.playlists++;
      d.rendition = (unsigned)json_u64(s, n, "rendition");
    }
    free(s);
  }
  return d;
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
  /* Truncation to the buffer. */
  CHECK(dmoe_status_message(DMOE_STATUS_MISUSE, (uint8_t *)buf, 5, &n) == DMOE_STATUS_OK);
  CHECK(n == 5);
  CHECK(dmoe_status_message(DMOE_STATUS_OK, NULL, 0, &n) == DMOE_STATUS_NULL_ARGUMENT);
  /* A value outside the enum (C lets any integer through) is described, not trusted. */
  CHECK(dmoe_status_message(9999, (uint8_t *)buf, sizeof buf, &n) == DMOE_STATUS_OK);
  buf[n] = 0;
  CHECK(strcmp(buf, "unknown status") == 0);
  CHECK(dmoe_status_message(DMOE_STATUS_OK, (uint8_t *)buf, sizeof buf, NULL) == DMOE_STATUS_NULL_ARGUMENT);
}

static void test_new_and_free(void) {
  dmoe_agent *a = NULL;
  CHECK(dmoe_agent_new(NULL, 0, NULL) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_new(NULL, 5, &a) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(a == NULL);
  CHECK(dmoe_agent_new(S("{\"abr\":\"nope\"}"), &a) == DMOE_STATUS_INVALID_CONFIG);
  CHECK(dmoe_agent_new(S("{\"max_buffer\": -1}"), &a) == DMOE_STATUS_INVALID_CONFIG);
  CHECK(dmoe_agent_new(S("not json"), &a) == DMOE_STATUS_INVALID_CONFIG);
  const uint8_t bad[] = {'{', 0xff, '}'};
  CHECK(dmoe_agent_new(bad, sizeof bad, &a) == DMOE_STATUS_INVALID_UTF8);
  CHECK(a == NULL); /* out-params untouched on failure */
  CHECK(dmoe_agent_new(NULL, 0, &a) == DMOE_STATUS_OK);
  CHECK(a != NULL);
  dmoe_agent_free(a);
  dmoe_agent_free(a);    /* double free: refused, harmless */
  dmoe_agent_free(NULL); /* no-op */
  /* Use after free is refused, not undefined. */
  CHECK(dmoe_agent_tick(a, 1) == DMOE_STATUS_INVALID_HANDLE);
  CHECK(dmoe_agent_tick(NULL, 1) == DMOE_STATUS_NULL_ARGUMENT);
}

static void test_session(void) {
  dmoe_agent *a = NULL;
  CHECK(dmoe_agent_new(S("{\"seed\": 9, \"cmcd\": {\"mode\": \"query\"}}"), &a) == DMOE_STATUS_OK);
  uint64_t now = 0;

  /* Bad manifest, invalid UTF-8, NULL with a length. */
  CHECK(dmoe_agent_manifest_loaded(a, now, S("https://a.example/m.m3u8"), S("garbage")) ==
        DMOE_STATUS_INVALID_MANIFEST);
  char err[256];
  size_t n = 0;
  CHECK(dmoe_agent_last_error(a, (uint8_t *)err, sizeof err - 1, &n) == DMOE_STATUS_OK);
  err[n] = 0;
  CHECK(strstr(err, "manifest") != NULL);
  CHECK(dmoe_agent_last_error(NULL, (uint8_t *)err, sizeof err, &n) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_last_error(a, NULL, 0, &n) == DMOE_STATUS_NULL_ARGUMENT);
  const uint8_t bad[] = {0xc3, 0x28};
  CHECK(dmoe_agent_manifest_loaded(a, now, bad, sizeof bad, S(MASTER)) == DMOE_STATUS_INVALID_UTF8);
  CHECK(dmoe_agent_manifest_loaded(a, now, NULL, 3, S(MASTER)) == DMOE_STATUS_NULL_ARGUMENT);

  CHECK(dmoe_agent_manifest_loaded(a, now, S("https://a.example/m.m3u8"), S(MASTER)) == DMOE_STATUS_OK);
  /* Outputs are waiting: a new input is misuse. */
  CHECK(dmoe_agent_tick(a, now) == DMOE_STATUS_MISUSE);
  const uint8_t *p = NULL;
  CHECK(dmoe_agent_poll(a, NULL, &n) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_poll(a, &p, NULL) == DMOE_STATUS_NULL_ARGUMENT);
  drained d = drain(a);
  CHECK(d.playlists == 1);
  CHECK(dmoe_agent_poll(a, &p, &n) == DMOE_STATUS_NOTHING);

  now += 30000;
  CHECK(dmoe_agent_playlist_loaded(a, now, d.rendition, S(MEDIA)) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  /* Equal pathways, no steering: rendezvous hashing of the session id picks one. */
  char first_edge[32];
  memcpy(first_edge, d.last_edge, sizeof first_edge);
  CHECK(strcmp(first_edge, "a") == 0 || strcmp(first_edge, "b") == 0);
  unsigned long long id = d.last_fetch_id;
  CHECK(dmoe_agent_playlist_loaded(a, now, 99, S(MEDIA)) == DMOE_STATUS_MISUSE);
  drain(a);

  /* The request: started, progress, completed with CMSD headers. */
  CHECK(dmoe_agent_request_started(a, now + 1000, id) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_progress(a, now + 200000, id, 100000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_started(a, now + 200001, 12345) == DMOE_STATUS_MISUSE);
  drain(a);
  CHECK(dmoe_agent_request_completed(a, now + 400000, id, 400000, 50000, S("ot=v,d=4000"),
                                     S("\"a\";etp=9000;rtt=20")) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  id = d.last_fetch_id;
  now += 400000;

  /* Time going backwards is misuse. */
  CHECK(dmoe_agent_buffer(a, now - 1, DMOE_MEDIA_VIDEO, 4000000) == DMOE_STATUS_MISUSE);
  CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_VIDEO, 4000000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_buffer(a, now, DMOE_MEDIA_AUDIO, 4000000) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_buffer(a, now, 7, 4000000) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, now, 42, 1.0) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_PLAYING, 1.0) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_playback(a, now, DMOE_PLAYBACK_PLAYING, -3.0) == DMOE_STATUS_INVALID_INPUT);
  drain(a);

  /* The request fails: the same segment goes to the other pathway (after its playlist;
   * once that list shows how few segments are left, the ABR may want the other rung's
   * list too). */
  CHECK(dmoe_agent_request_failed(a, now + 50000, id, DMOE_FAILURE_HTTP, 503) == DMOE_STATUS_OK);
  d = drain(a);
  now += 50000;
  for (int lists = 0; d.playlists == 1 && d.fetches == 0 && lists < 2; lists++) {
    CHECK(dmoe_agent_playlist_loaded(a, now + 30000, d.rendition, S(MEDIA)) == DMOE_STATUS_OK);
    d = drain(a);
    now += 30000;
  }
  CHECK(d.fetches == 1);
  CHECK(d.last_edge[0] != 0 && strcmp(d.last_edge, first_edge) != 0);
  CHECK(dmoe_agent_request_failed(a, now + 60000, d.last_fetch_id, DMOE_FAILURE_TIMEOUT, 0) == DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_request_failed(a, now + 70000, 4242, DMOE_FAILURE_CONNECTION, 0) == DMOE_STATUS_MISUSE);
  drain(a);
  CHECK(dmoe_agent_request_failed(a, now + 70000, 4242, 99, 0) == DMOE_STATUS_INVALID_INPUT);
  drain(a);
  /* A request the host drops itself is not a failure; an unknown id is misuse. */
  CHECK(dmoe_agent_request_cancelled(a, now + 70000, 4242) == DMOE_STATUS_MISUSE);
  drain(a);

  /* Any input as JSON, including a bad one. */
  CHECK(dmoe_agent_handle_input_json(a, S("{\"at\": 9000000, \"type\": \"frames\", \"dropped\": 3, \"total\": 900}")) ==
        DMOE_STATUS_OK);
  drain(a);
  CHECK(dmoe_agent_handle_input_json(a, S("{\"at\": 9000001, \"type\": \"warp\"}")) == DMOE_STATUS_INVALID_INPUT);
  CHECK(dmoe_agent_handle_input_json(a, NULL, 4) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_tick(a, 9000002) == DMOE_STATUS_OK);
  drain(a);

  /* The report is a view: JSON with the session id and the dropped frames. */
  CHECK(dmoe_agent_report(a, &p, &n) == DMOE_STATUS_OK);
  CHECK(n > 10 && p[0] == '{');
  CHECK(json_u64((const char *)p, n, "dropped_frames") == 3);
  CHECK(dmoe_agent_report(a, NULL, &n) == DMOE_STATUS_NULL_ARGUMENT);
  CHECK(dmoe_agent_report(NULL, &p, &n) == DMOE_STATUS_NULL_ARGUMENT);
  dmoe_agent_free(a);
  CHECK(dmoe_agent_report(a, &p, &n) == DMOE_STATUS_INVALID_HANDLE);
  CHECK(dmoe_agent_last_error(a, (uint8_t *)err, sizeof err, &n) == DMOE_STATUS_INVALID_HANDLE);
}

/* A player that parses manifests itself hands the agent its ladder and segment lists. */
static void test_host_parsed(void) {
  dmoe_agent *a = NULL;
  CHECK(dmoe_agent_new(S("{\"seed\": 3}"), &a) == DMOE_STATUS_OK);
  const char *codecs = "avc1.4d401e,mp4a.40.2";
  dmoe_rendition ladder[2];
  memset(ladder, 0, sizeof ladder);
  const char *urls[2] = {"https://cdn.example/low/index.m3u8", "https://cdn.example/high/index.m3u8"};
  for (int i = 0; i < 2; i++) {
    ladder[i].bandwidth = i == 0 ? 800000 : 3000000;
    ladder[i].width = i == 0 ? 640 : 1280;
    ladder[i].height = i == 0 ? 360 : 720;
    ladder[i].codecs = (const uint8_t *)codecs;
    ladder[i].codecs_len = strlen(codecs);
    ladder[i].url = (const uint8_t *)urls[i];
    ladder[i].url_len = strlen(urls[i]);
  }
  /* Nothing playable, a NULL list with a count. */
  CHECK(dmoe_agent_ladder_loaded(a, 0, S("https://cdn.example/m.m3u8"), NULL, 0) == DMOE_STATUS_UNSUPPORTED);
  drain(a);
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
  drain(a);
  segs[2].number = 2;
  segs[1].init = 5;
  CHECK(dmoe_agent_segments_loaded(a, 11, r, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_INVALID_INPUT);
  drain(a);
  segs[1].init = -1;
  CHECK(dmoe_agent_segments_loaded(a, 12, 9, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_MISUSE);
  drain(a);
  const uint8_t bad[] = {0xff};
  dmoe_init bad_init = {bad, 1, 0, 0};
  CHECK(dmoe_agent_segments_loaded(a, 13, r, true, 4000000, &bad_init, 1, segs, 3) == DMOE_STATUS_INVALID_UTF8);
  drain(a);
  /* The good list: the init section, then the first segment. */
  CHECK(dmoe_agent_segments_loaded(a, 14, r, true, 4000000, &init, 1, segs, 3) == DMOE_STATUS_OK);
  d = drain(a);
  CHECK(d.fetches == 1);
  dmoe_agent_free(a);
}

int main(void) {
  test_version();
  test_status_message();
  test_new_and_free();
  test_session();
  test_host_parsed();
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
