//! `dmoe-inspect`: parse a manifest and print its model.
//!
//! ```text
//! dmoe-inspect [--json] [--model] [--strict|--permissive] [--base-url URL] [--now UNIX_SECONDS] FILE
//! ```
//!
//! With `--json` it prints one JSON object with the keys `format`, `kind`, `variants`,
//! `renditions`, `segments`, `parts`, `preload_hints`, `rendition_reports`, `keys`,
//! `steering`, `warnings` (and `model`, the whole presentation, with `--model`). Without it, a
//! readable summary. On bad input it exits 1 with a one-line error on stderr; on bad usage, 2.

use std::process::ExitCode;

use dmoe_core::{ParseOptions, Presentation, Strictness, WallClock};

const HELP: &str = "\
dmoe-inspect: parse an HLS playlist (multivariant or media) or a DASH MPD and print its model.

usage:
  dmoe-inspect [--json] [--model] [--strict|--permissive] [--base-url URL] [--now UNIX_SECONDS] FILE
  dmoe-inspect --help | --version

options:
  FILE                the manifest to read
  --json              one JSON object: format, kind, variants, renditions, segments, parts,
                      preload_hints, rendition_reports, keys, steering, warnings, periods,
                      duration_s, low_latency (default: a readable summary)
  --model             with --json: the whole presentation model under `model`
  --strict            fail on the specification's SHOULD rules too
  --permissive        recover from everything that can be recovered from
  --base-url URL      the absolute URL the manifest was loaded from (relative URIs resolve
                      against it)
  --now UNIX_SECONDS  the wall clock that decides which segments of a live DASH presentation
                      exist (default: the MPD's publishTime)
  -h, --help          this text
  -V, --version       the version

exit status: 0 on success, 1 when the file cannot be read or does not parse (one line on
stderr), 2 on bad usage.
";

enum Parsed {
    Run(Args),
    Help,
    Version,
}

struct Args {
    json: bool,
    model: bool,
    file: String,
    opts: ParseOptions,
}

fn parse_args() -> Result<Parsed, String> {
    let mut json = false;
    let mut model = false;
    let mut file = None;
    let mut opts = ParseOptions::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--model" => model = true,
            "--strict" => opts.strictness = Strictness::Strict,
            "--permissive" => opts.strictness = Strictness::Permissive,
            "--base-url" => {
                let u = it.next().ok_or("--base-url needs a URL")?;
                // Said here, not as a failure of the file: the URL is the option's.
                if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
                    return Err(format!("--base-url: not an absolute http(s) URL: {u}"));
                }
                opts.base_url = Some(u);
            }
            "--now" => {
                let v = it.next().ok_or("--now needs UNIX_SECONDS")?;
                let secs: f64 = v.parse().map_err(|_| format!("--now: not a number: {v}"))?;
                if !secs.is_finite() {
                    return Err(format!("--now: not a finite number: {v}"));
                }
                opts.now = Some(WallClock((secs * 1000.0) as i64));
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            s if s.starts_with('-') => return Err(format!("unknown option {s} (see --help)")),
            _ if file.is_some() => return Err("only one FILE may be given".into()),
            _ => file = Some(a),
        }
    }
    Ok(Parsed::Run(Args {
        json,
        model,
        file: file.ok_or("missing FILE (see --help)")?,
        opts,
    }))
}

fn summary_json(p: &Presentation, with_model: bool) -> serde_json::Value {
    let c = p.counts();
    let mut v = serde_json::json!({
        "format": p.format.as_str(),
        "kind": p.kind.as_str(),
        "variants": c.variants,
        "renditions": c.renditions,
        "segments": c.segments,
        "parts": c.parts,
        "preload_hints": c.preload_hints,
        "rendition_reports": c.rendition_reports,
        "keys": c.keys,
        "steering": p.steering.is_some(),
        "periods": p.periods.len(),
        "duration_s": p.duration.map(|d| d.as_secs_f64()),
        "low_latency": p.low_latency.is_some(),
        "warnings": p.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    if with_model {
        v["model"] = serde_json::to_value(p).unwrap_or(serde_json::Value::Null);
    }
    v
}

fn print_text(p: &Presentation) {
    let c = p.counts();
    println!("{} ({})", p.format.as_str(), p.kind.as_str());
    if let Some(d) = p.duration {
        println!("  duration      {:.3} s", d.as_secs_f64());
    }
    println!("  periods       {}", p.periods.len());
    println!("  variants      {}", c.variants);
    for v in &p.variants {
        let res = v
            .resolution
            .map(|r| format!(" {}x{}", r.width, r.height))
            .unwrap_or_default();
        println!(
            "    #{:<3} {:>12}{res} {}{}",
            v.id.0,
            v.bandwidth.to_string(),
            v.codecs.as_deref().unwrap_or(""),
            if v.i_frames_only { " (i-frames)" } else { "" }
        );
    }
    println!("  renditions    {}", c.renditions);
    println!("  segments      {}", c.segments);
    if c.parts + c.preload_hints + c.rendition_reports > 0 {
        println!(
            "  LL-HLS        {} parts, {} preload hints, {} rendition reports",
            c.parts, c.preload_hints, c.rendition_reports
        );
    }
    println!("  keys          {}", c.keys);
    if let Some(s) = &p.steering {
        println!("  steering      {}", s.server_uri);
    }
    for w in &p.warnings {
        println!("  warning: {w}");
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("dmoe-inspect {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dmoe-inspect: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("dmoe-inspect: {}: {e}", args.file);
            return ExitCode::from(1);
        }
    };
    match dmoe_core::parse(&bytes, &args.opts) {
        Ok(p) => {
            if args.json {
                println!("{}", summary_json(&p, args.model));
            } else {
                print_text(&p);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dmoe-inspect: {}: {e}", args.file);
            ExitCode::from(1)
        }
    }
}
