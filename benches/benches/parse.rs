//! Manifest parse throughput over the shared corpus (`../shared/data/manifests`), side by
//! side with raw `m3u8-rs` parsing in the same run.
//!
//! ```sh
//! cargo bench -p dmoe-benches --bench parse
//! ```
//!
//! `dash/shaka/large_file.mpd` is left out: it is one giant XML comment, a stress test and
//! not a realistic MPD. When the corpus is absent the bench says so and measures the
//! project's own fixtures instead.
#![allow(clippy::disallowed_methods, missing_docs)]

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dmoe_core::{ParseOptions, Strictness};

fn corpus_files(kind: &str) -> Vec<Vec<u8>> {
    let root = std::env::var_os("DMOE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
        .join("manifests");
    let Ok(index) = std::fs::read_to_string(root.join("index.tsv")) else {
        println!(
            "corpus not found at {}: benchmarking bundled fixtures",
            root.display()
        );
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dmoe-core/tests/data/manifests");
        let ext = if kind == "hls" { "m3u8" } else { "mpd" };
        return std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                    .filter_map(|e| std::fs::read(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
    };
    index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 6
                && cols[1] == kind
                && !cols[5].contains("MALFORMED")
                && !cols[0].ends_with("large_file.mpd"))
            .then(|| std::fs::read(root.join(cols[0])).ok())
            .flatten()
        })
        .collect()
}

fn bench_parse(c: &mut Criterion) {
    let opts = ParseOptions::new()
        .base_url("https://cdn.example.com/path/manifest")
        .strictness(Strictness::Normal);
    let hls = corpus_files("hls");
    let hls_bytes: usize = hls.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("hls");
    g.throughput(Throughput::Bytes(hls_bytes as u64));
    g.bench_function("dmoe-model", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for f in &hls {
                if let Ok(p) = dmoe_core::hls::parse(std::hint::black_box(f), &opts) {
                    n += p.renditions.len();
                }
            }
            n
        })
    });
    g.bench_function("m3u8-rs-raw", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for f in &hls {
                if m3u8_rs::parse_playlist_res(std::hint::black_box(f)).is_ok() {
                    n += 1;
                }
            }
            n
        })
    });
    g.finish();
    let dash = corpus_files("dash");
    let dash_bytes: usize = dash.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("dash");
    g.throughput(Throughput::Bytes(dash_bytes as u64));
    g.bench_function("dmoe-model", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for f in &dash {
                if let Ok(p) = dmoe_core::dash::parse(std::hint::black_box(f), &opts) {
                    n += p.renditions.len();
                }
            }
            n
        })
    });
    g.finish();
    println!(
        "corpus: {} HLS files ({} bytes), {} DASH files ({} bytes)",
        hls.len(),
        hls_bytes,
        dash.len(),
        dash_bytes
    );
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
