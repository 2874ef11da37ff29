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

const USAGE: &str = "usage: dmoe-inspect [--json] [--model] [--strict|--permissive] [--base-url URL] [--now UNIX_SECONDS] FILE";

struct Args {
    json: bool,
    model: bool,
    file: String,
    opts: ParseOptions,
}

fn parse_args() -> Result<Args, String> {
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
                opts.base_url = Some(it.next().ok_or("--base-url needs a URL")?);
            }
            "--now" => {
                let v = it.next().ok_or("--now needs UNIX_SECONDS")?;
                let secs: f64 = v.parse().map_err(|_| format!("--now: not a number: {v}"))?;
                if !secs.is_finite() {
                    return Err(format!("--now: not a finite number: {v}"));
                }
                opts.now = Some(WallClock((secs * 1000.0) as i64));
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ if file.is_some() => return Err("only one FILE may be given".into()),
            _ => file = Some(a),
        }
    }
    Ok(Args {
        json,
        model,
        file: file.ok_or("missing FILE")?,
        opts,
    })
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
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("dmoe-inspect: {e}");
            }
            eprintln!("{USAGE}");
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
