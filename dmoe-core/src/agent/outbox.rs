//! The outputs waiting for the host, the string buffers of polled outputs kept for reuse
//! (so that a warm steady-state cycle allocates nothing), and the recording of inputs.

use std::collections::VecDeque;

use super::io::{Fetch, Input, Output};

/// Most outputs waiting at once; more means the host is not draining.
const MAX_QUEUE: usize = 64;
/// Most string buffers kept for reuse.
const POOL: usize = 16;

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    queue: VecDeque<Output>,
    pool: Vec<String>,
}

impl Outbox {
    pub(crate) fn new() -> Self {
        Self {
            queue: VecDeque::with_capacity(MAX_QUEUE),
            pool: Vec::with_capacity(POOL),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn push(&mut self, o: Output) {
        if self.queue.len() < MAX_QUEUE {
            self.queue.push_back(o);
        }
    }

    pub(crate) fn pop(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }

    /// Pop into `slot`, handing the buffers of the output that was there back for reuse.
    pub(crate) fn pop_into(&mut self, slot: &mut Option<Output>) -> bool {
        let Some(next) = self.queue.pop_front() else {
            return false;
        };
        if let Some(old) = slot.replace(next) {
            self.recycle(old);
        }
        true
    }

    fn recycle(&mut self, o: Output) {
        match o {
            Output::Fetch(f) => self.recycle_fetch(f),
            Output::Abandon { refetch, .. } => self.recycle_fetch(refetch),
            Output::Probe(p) => {
                self.give(p.url);
                self.give(p.edge);
            }
            Output::LoadPlaylist { url, .. }
            | Output::LoadManifest { url }
            | Output::LoadSteering { url } => self.give(url),
            Output::Telemetry { json, .. } => self.give(json),
            Output::Diagnostic { message } => self.give(message),
            Output::Advice(a) => {
                if let Some(p) = a.pathway {
                    self.give(p);
                }
            }
            Output::AbandonAdvice { .. }
            | Output::Cancel { .. }
            | Output::SetPlaybackRate { .. }
            | Output::Timeout { .. }
            | Output::End => {}
        }
    }

    fn recycle_fetch(&mut self, f: Fetch) {
        self.give(f.url);
        self.give(f.edge);
    }

    fn give(&mut self, mut s: String) {
        if self.pool.len() < POOL && s.capacity() > 0 {
            s.clear();
            self.pool.push(s);
        }
    }

    /// An empty string, reusing a polled output's buffer when there is one.
    pub(crate) fn take_buf(&mut self) -> String {
        self.pool.pop().unwrap_or_default()
    }
}

/// The accepted inputs of a session as JSON lines, after a first line that describes the
/// session (`{"config": ...}` for the agent, `{"advisor": ...}` for the advisor).
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    lines: Vec<String>,
    limit: usize,
    on: bool,
}

impl Recorder {
    pub(crate) fn new(on: bool, limit: usize, first: impl FnOnce() -> String) -> Self {
        Self {
            lines: if on { vec![first()] } else { Vec::new() },
            limit: limit.max(2),
            on,
        }
    }

    pub(crate) fn record(&mut self, input: &Input) {
        if !self.on {
            return;
        }
        if self.lines.len() >= self.limit {
            self.lines.remove(1);
        }
        // Invariant: inputs serialize (strings, numbers, enums).
        self.lines
            .push(serde_json::to_string(input).expect("serializable input"));
    }

    pub(crate) fn lines(&self) -> &[String] {
        &self.lines
    }
}
