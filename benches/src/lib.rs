//! Shared helpers for the DMOE benchmarks.

/// The steady-state cycle of one segment through the device agent, for the agent bench and
/// the allocation test: request started, completed, buffer level — each drained — which
/// yields the next fetch.
pub mod cycle {
    use std::time::Duration;

    use dmoe_core::agent::{Agent, Config, Event, Input, Output, RequestId};
    use dmoe_core::{MediaType, PlaybackState, Timestamp};

    /// A warmed-up session and the id of its request in flight.
    #[derive(Debug)]
    pub struct Cycle {
        agent: Agent,
        slot: Option<Output>,
        now: u64,
        id: RequestId,
        /// Outputs seen in the last step.
        pub outputs: usize,
    }

    const SEGMENTS: usize = 2000;

    fn playlist() -> String {
        let mut s = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n");
        for i in 0..SEGMENTS {
            s += &format!("#EXTINF:4.000,\nseg{i}.m4s\n");
        }
        s + "#EXT-X-ENDLIST\n"
    }

    impl Cycle {
        fn input(&mut self, e: Event) -> Option<RequestId> {
            let _ = self
                .agent
                .handle_input(Input::new(Timestamp::from_micros(self.now), e));
            let mut fetch = None;
            while self.agent.poll_output_into(&mut self.slot) {
                self.outputs += 1;
                if let Some(Output::Fetch(f)) = &self.slot {
                    fetch = Some(f.id);
                }
            }
            fetch
        }

        /// A VOD session (one rendition, 2000 segments, CMCD off, telemetry on) after 20
        /// segments.
        pub fn warm() -> Self {
            let mut c = Self {
                // Invariant: the default configuration is valid.
                agent: dmoe_abr::agent(Config::default()).expect("default config"),
                slot: None,
                now: 0,
                id: RequestId(0),
                outputs: 0,
            };
            let first = c.input(Event::ManifestLoaded {
                url: "https://cdn.example/v/index.m3u8".into(),
                body: playlist(),
            });
            c.id = first.unwrap_or(RequestId(0));
            c.input(Event::Playback {
                state: PlaybackState::Playing,
                rate: 1.0,
            });
            for _ in 0..20 {
                c.step();
            }
            c
        }

        /// One segment: started, completed after 1 s at ~4 Mb/s, buffer at 12 s.
        pub fn step(&mut self) {
            self.outputs = 0;
            let id = self.id;
            self.now += 1000;
            self.input(Event::RequestStarted { id });
            self.now += 1_000_000;
            let next = self.input(Event::RequestCompleted {
                id,
                bytes: 500_000,
                ttfb: Duration::from_millis(40),
                cmsd_static: None,
                cmsd_dynamic: None,
            });
            self.now += 1000;
            let after = self.input(Event::Buffer {
                media: MediaType::Video,
                level: Duration::from_secs(12),
            });
            self.id = match next.or(after) {
                Some(id) => id,
                None => {
                    // The end of the presentation: seek back to the start.
                    self.now += 1000;
                    self.input(Event::Seek {
                        position: Duration::ZERO,
                    })
                    .unwrap_or(id)
                }
            };
        }
    }
}

/// A committed recording (`bindings/c/tests/session*.jsonl`) replayed input by input, for
/// the bench of the slowest single call.
pub mod recorded {
    use std::time::{Duration, Instant};

    use dmoe_core::agent::{Advisor, Agent, Config, Input, Output};

    /// A session's kind and configuration, and its inputs.
    #[derive(Debug, Clone)]
    pub struct Recording {
        /// An advisor recording (`{"advisor": ...}` first).
        pub advisor: bool,
        /// The configuration, seed included.
        pub config: Config,
        /// The inputs in order.
        pub inputs: Vec<Input>,
    }

    /// Read a recording from the repository (`path` relative to its root).
    pub fn load(path: &str) -> Result<Recording, String> {
        let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&full).map_err(|e| format!("{full}: {e}"))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let first = lines.next().ok_or("an empty recording")?;
        let (advisor, cfg) = if let Some(rest) = first.strip_prefix("{\"advisor\":") {
            (true, rest.strip_suffix('}').ok_or("a bad first line")?)
        } else if let Some(rest) = first.strip_prefix("{\"config\":") {
            (false, rest.strip_suffix('}').ok_or("a bad first line")?)
        } else {
            return Err("the first line is not a configuration".into());
        };
        let config = Config::from_json(cfg).map_err(|e| e.to_string())?;
        let inputs = lines
            .map(|l| serde_json::from_str(l).map_err(|e| format!("{e}: {l}")))
            .collect::<Result<Vec<Input>, String>>()?;
        Ok(Recording {
            advisor,
            config,
            inputs,
        })
    }

    enum Session {
        Agent(Box<Agent>),
        Advisor(Box<Advisor>),
    }

    /// Replay `r` once; the longest single `handle_input` plus the drain of its outputs.
    pub fn slowest_call(r: &Recording) -> Duration {
        // Invariant: a committed recording's configuration is valid.
        let mut s = if r.advisor {
            Session::Advisor(Box::new(
                dmoe_abr::advisor(r.config.clone()).expect("valid configuration"),
            ))
        } else {
            Session::Agent(Box::new(
                dmoe_abr::agent(r.config.clone()).expect("valid configuration"),
            ))
        };
        let mut slot: Option<Output> = None;
        let mut slowest = Duration::ZERO;
        for input in &r.inputs {
            let input = input.clone();
            let t = Instant::now();
            match &mut s {
                Session::Agent(a) => {
                    let _ = a.handle_input(input);
                    while a.poll_output_into(&mut slot) {}
                }
                Session::Advisor(a) => {
                    let _ = a.handle_input(input);
                    while a.poll_output_into(&mut slot) {}
                }
            }
            slowest = slowest.max(t.elapsed());
        }
        std::hint::black_box(&slot);
        slowest
    }
}
