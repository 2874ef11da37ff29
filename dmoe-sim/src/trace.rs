//! Throughput traces and videos: the inputs of every simulation.

use dmoe_core::Ladder;

/// A throughput trace: `(time_s, Mbps)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Name (file name).
    pub name: String,
    /// Times in seconds, ascending.
    pub time_s: Vec<f64>,
    /// Throughput in Mbps at each time.
    pub mbps: Vec<f64>,
}

/// Why a trace or ladder could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimInputError {
    /// A line is not `time throughput`.
    #[error("line {line}: expected `time_s throughput_Mbps`")]
    BadTraceLine {
        /// 1-based line.
        line: usize,
    },
    /// A trace needs at least two points with increasing times and positive throughput.
    #[error("trace needs at least two points, increasing times and some positive throughput")]
    DegenerateTrace,
    /// Segment sizes are missing or inconsistent with the bitrates.
    #[error("video: {0}")]
    BadVideo(&'static str),
}

impl Trace {
    /// Parse Pensieve's format: one `time_s throughput_Mbps` pair per line.
    pub fn parse(name: &str, text: &str) -> Result<Self, SimInputError> {
        let mut time_s = Vec::new();
        let mut mbps = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let mut it = line.split_whitespace();
            let (Some(t), Some(b)) = (it.next(), it.next()) else {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            };
            let (Ok(t), Ok(b)) = (t.parse::<f64>(), b.parse::<f64>()) else {
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            };
            if !t.is_finite() || !b.is_finite() || b < 0.0 {
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            }
            time_s.push(t);
            mbps.push(b);
        }
        Self::new(name, time_s, mbps)
    }

    /// A trace from points; validated.
    pub fn new(name: &str, time_s: Vec<f64>, mbps: Vec<f64>) -> Result<Self, SimInputError> {
        let ok = time_s.len() >= 2
            && time_s.len() == mbps.len()
            && time_s.windows(2).all(|w| w[1] > w[0])
            && mbps[1..].iter().any(|&b| b > 0.0)
            && time_s[0] >= 0.0;
        if !ok {
            return Err(SimInputError::DegenerateTrace);
        }
        Ok(Self {
            name: name.to_owned(),
            time_s,
            mbps,
        })
    }

    /// Mean throughput over the trace, Mbps (time-weighted).
    pub fn mean_mbps(&self) -> f64 {
        let mut area = 0.0;
        for i in 1..self.time_s.len() {
            area += self.mbps[i] * (self.time_s[i] - self.time_s[i - 1]);
        }
        area / (self.time_s[self.time_s.len() - 1] - self.time_s[0]).max(1e-9)
    }
}

/// A video: a ladder and the byte size of every segment at every rung.
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Segment duration in seconds.
    pub segment_s: f64,
    /// Bitrates in kbps, ascending.
    pub bitrates_kbps: Vec<u64>,
    /// `sizes[segment][rung]` in bytes.
    pub sizes: Vec<Vec<u64>>,
    /// Sizes listed after the segments played (Pensieve's files hold a 49th that its
    /// simulator never plays but its RobustMPC reads when it looks one segment too far).
    /// Controllers see them at the end of the upcoming sizes; they are never downloaded.
    pub beyond: Vec<Vec<u64>>,
}

impl Video {
    /// Validate and build.
    pub fn new(
        segment_s: f64,
        bitrates_kbps: Vec<u64>,
        sizes: Vec<Vec<u64>>,
    ) -> Result<Self, SimInputError> {
        if !(segment_s.is_finite() && segment_s > 0.0) {
            return Err(SimInputError::BadVideo("segment duration must be positive"));
        }
        if bitrates_kbps.is_empty() || bitrates_kbps.windows(2).any(|w| w[1] <= w[0]) {
            return Err(SimInputError::BadVideo(
                "bitrates must be ascending and non-empty",
            ));
        }
        if sizes.len() < 2 || sizes.iter().any(|row| row.len() != bitrates_kbps.len()) {
            return Err(SimInputError::BadVideo(
                "need two or more segments with a size per rung",
            ));
        }
        Ok(Self {
            segment_s,
            bitrates_kbps,
            sizes,
            beyond: Vec::new(),
        })
    }

    /// From one size list per rung (Pensieve's `video_size_<rung>` files), keeping the first
    /// `segments` entries (all common ones when None). Pensieve's files hold 49 sizes of
    /// which its simulator plays 48.
    pub fn from_per_rung(
        segment_s: f64,
        bitrates_kbps: Vec<u64>,
        per_rung: &[Vec<u64>],
        segments: Option<usize>,
    ) -> Result<Self, SimInputError> {
        if per_rung.len() != bitrates_kbps.len() {
            return Err(SimInputError::BadVideo(
                "one size list per bitrate is needed",
            ));
        }
        let common = per_rung.iter().map(Vec::len).min().unwrap_or(0);
        let n = segments.map_or(common, |s| s.min(common));
        let row = |k: usize| per_rung.iter().map(|r| r[k]).collect();
        let mut video = Self::new(segment_s, bitrates_kbps, (0..n).map(row).collect())?;
        video.beyond = (n..common).map(row).collect();
        Ok(video)
    }

    /// The ladder.
    pub fn ladder(&self) -> Ladder {
        // Invariant: validated non-empty, positive bitrates.
        Ladder::from_kbps(&self.bitrates_kbps).expect("validated ladder")
    }

    /// Every listed size, segment-major (`[segment * rungs + rung]`), the played segments
    /// then those beyond: the upcoming sizes a controller sees.
    pub fn flat_sizes(&self) -> Vec<u64> {
        self.sizes
            .iter()
            .chain(&self.beyond)
            .flatten()
            .copied()
            .collect()
    }

    /// Number of segments.
    pub fn segments(&self) -> usize {
        self.sizes.len()
    }
}

/// Which traces of a directory a run uses. The tuning split: the planner's defaults were
/// scanned on [`Split::Train`] (and on built-in traces of seeds 100–199), and figures are
/// reported on [`Split::Eval`] (and on built-in seeds 1–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// Every trace.
    #[default]
    All,
    /// The traces at even positions in file-name order (0, 2, 4, ...).
    Train,
    /// The traces at odd positions in file-name order (1, 3, 5, ...).
    Eval,
}

impl Split {
    /// Whether the trace at `index` (in file-name order) belongs to this split.
    pub fn keeps(self, index: usize) -> bool {
        match self {
            Self::All => true,
            Self::Train => index % 2 == 0,
            Self::Eval => index % 2 == 1,
        }
    }
}

/// Every trace file in `dir` (Pensieve's format), in file-name order, that `split` keeps.
pub fn load_traces(dir: &std::path::Path, split: Split) -> Result<Vec<Trace>, String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for (i, p) in entries.into_iter().enumerate() {
        if !split.keeps(i) {
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push(Trace::parse(&name, &text).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    if out.is_empty() {
        return Err(format!("{}: no trace files", dir.display()));
    }
    Ok(out)
}
