/*
 * Replay a recorded session through the C ABI and print every decision, one JSON line
 * each: the same output `dmoe-replay --all FILE` prints through Rust. .ci/run diffs the
 * two. The first line names the session: {"config": {...}} for an agent,
 * {"advisor": {...}} for an advisor.
 *   replay FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmoe.h"

static void print_error(dmoe_agent *a) {
  char msg[1024];
  size_t n = 0;
  if (dmoe_agent_last_error(a, (uint8_t *)msg, sizeof msg, &n) != DMOE_STATUS_OK) n = 0;
  fputs("{\"error\":\"", stdout);
  for (size_t i = 0; i < n; i++) {
    if (msg[i] == '"' || msg[i] == '\\') putchar('\\');
    putchar(msg[i]);
  }
  fputs("\"}\n", stdout);
}

/* Open the session line 1 names; 0 on success. */
static int open_session(const char *line, size_t len, dmoe_agent **a) {
  static const char *kinds[2] = {"{\"config\":", "{\"advisor\":"};
  for (int k = 0; k < 2; k++) {
    size_t pl = strlen(kinds[k]);
    if (len < pl + 1 || memcmp(line, kinds[k], pl) != 0 || line[len - 1] != '}') continue;
    char why[512];
    size_t n = 0;
    const uint8_t *cfg = (const uint8_t *)line + pl;
    size_t cfg_len = len - pl - 1;
    dmoe_status s = k == 0 ? dmoe_agent_new(cfg, cfg_len, a, (uint8_t *)why, sizeof why - 1, &n)
                           : dmoe_advisor_new(cfg, cfg_len, a, (uint8_t *)why, sizeof why - 1, &n);
    if (s != DMOE_STATUS_OK) {
      why[n] = 0;
      fprintf(stderr, "configuration refused: %s\n", why);
      return 1;
    }
    return 0;
  }
  fprintf(stderr, "line 1 is not a {\"config\": ...} or {\"advisor\": ...} line\n");
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: replay FILE\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  dmoe_agent *a = NULL;
  int status = 0;
  while ((len = getline(&line, &cap, f)) > 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (len == 0) continue;
    if (a == NULL) {
      if (open_session(line, (size_t)len, &a) != 0) {
        fprintf(stderr, "%s: cannot open the session\n", argv[1]);
        status = 1;
        break;
      }
      continue;
    }
    dmoe_status s = dmoe_agent_handle_input_json(a, (const uint8_t *)line, (size_t)len);
    if (s != DMOE_STATUS_OK) print_error(a);
    const uint8_t *out = NULL;
    size_t n = 0;
    while (dmoe_agent_poll_json(a, &out, &n) == DMOE_STATUS_OK) {
      fwrite(out, 1, n, stdout);
      putchar('\n');
    }
  }
  free(line);
  fclose(f);
  dmoe_agent_free(a);
  return status;
}
