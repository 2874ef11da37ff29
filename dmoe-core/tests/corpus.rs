//! The real-world manifest corpus in `../shared/data/manifests`, read in place.
//!
//! - every well-formed file parses at `Normal` strictness;
//! - every file the corpus lists as malformed fails with a typed error at `Strict` (and none
//!   panics at any strictness);
//! - for every HLS media playlist, the model holds exactly as many segments, `EXT-X-PART`,
//!   `EXT-X-PRELOAD-HINT` and `EXT-X-RENDITION-REPORT` as the file has tags;
//! - `m3u8-rs` is run beside it as a cross-check, and what it loses is counted.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use dmoe_core::{ManifestFormat, ParseOptions, Strictness};

struct Entry {
    file: String,
    kind: String,
    malformed: bool,
}

fn index(root: &std::path::Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(root.join("index.tsv")).expect("index.tsv readable");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() >= 6).then(|| Entry {
                file: cols[0].to_owned(),
                kind: cols[1].to_owned(),
                malformed: cols[5].contains("MALFORMED"),
            })
        })
        .filter(|e| e.kind == "hls" || e.kind == "dash")
        .collect()
}

/// Media segments in a playlist as written: each `#EXTINF`, plus each URI line that no
/// `#EXTINF` introduced (a line scan independent of the parser).
fn count_segments(text: &str) -> usize {
    let mut n = 0;
    let mut pending = false;
    for l in text.lines() {
        let l = l.trim();
        if l.starts_with("#EXTINF") {
            if pending {
                n += 1;
            }
            pending = true;
        } else if !l.is_empty() && !l.starts_with('#') {
            n += 1;
            pending = false;
        }
    }
    n + usize::from(pending)
}

fn count_tag(text: &str, tag: &str) -> usize {
    text.lines()
        .filter(|l| {
            l.strip_prefix(tag)
                .is_some_and(|r| r.is_empty() || r.starts_with(':'))
        })
        .count()
}

#[test]
fn corpus_parses_and_loses_nothing() {
    let Some(root) = common::shared_data("manifests") else {
        return;
    };
    let entries = index(&root);
    assert!(
        entries.len() > 500,
        "index.tsv lists {} files",
        entries.len()
    );
    let (mut ok, mut wellformed) = (0, 0);
    let (mut malformed, mut strict_errors, mut normal_errors) = (0, 0, 0);
    let mut media_checked = 0;
    let mut failures = Vec::new();
    let (mut file_parts, mut m3u8_parts) = (0usize, 0usize);
    let (mut file_hints, mut m3u8_hints) = (0usize, 0usize);
    let (mut file_reports, mut m3u8_reports) = (0usize, 0usize);
    let (mut m3u8_seg_agree, mut m3u8_seg_total) = (0, 0);
    for e in &entries {
        let bytes = std::fs::read(root.join(&e.file)).expect("corpus file readable");
        let normal = dmoe_core::parse(&bytes, &ParseOptions::new());
        let _ = dmoe_core::parse(
            &bytes,
            &ParseOptions::new().strictness(Strictness::Permissive),
        );
        if e.malformed {
            malformed += 1;
            let strict =
                dmoe_core::parse(&bytes, &ParseOptions::new().strictness(Strictness::Strict));
            match strict {
                Err(_) => strict_errors += 1,
                Ok(_) => failures.push(format!("{}: malformed but parsed strictly", e.file)),
            }
            if normal.is_err() {
                normal_errors += 1;
            }
            continue;
        }
        wellformed += 1;
        let p = match normal {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!("{}: {err}", e.file));
                continue;
            }
        };
        ok += 1;
        if p.format != ManifestFormat::HlsMedia {
            continue;
        }
        media_checked += 1;
        let text = String::from_utf8_lossy(&bytes);
        let c = p.counts();
        if count_segments(&text) != c.segments {
            failures.push(format!(
                "{}: segments file {} model {}",
                e.file,
                count_segments(&text),
                c.segments
            ));
        }
        let want = [
            ("#EXTINF", c.segments.min(count_tag(&text, "#EXTINF"))),
            ("#EXT-X-PART", c.parts),
            ("#EXT-X-PRELOAD-HINT", c.preload_hints),
            ("#EXT-X-RENDITION-REPORT", c.rendition_reports),
        ];
        for (tag, got) in want {
            let n = count_tag(&text, tag);
            if n != got {
                failures.push(format!("{}: {tag} file {n} model {got}", e.file));
            }
        }
        file_parts += count_tag(&text, "#EXT-X-PART");
        file_hints += count_tag(&text, "#EXT-X-PRELOAD-HINT");
        file_reports += count_tag(&text, "#EXT-X-RENDITION-REPORT");
        if let Ok(m3u8_rs::Playlist::MediaPlaylist(m)) = m3u8_rs::parse_playlist_res(&bytes) {
            let tags = m.segments.iter().flat_map(|s| s.unknown_tags.iter());
            for t in tags {
                match t.tag.as_str() {
                    "X-PART" => m3u8_parts += 1,
                    "X-PRELOAD-HINT" => m3u8_hints += 1,
                    "X-RENDITION-REPORT" => m3u8_reports += 1,
                    _ => {}
                }
            }
            m3u8_seg_total += 1;
            if m.segments.len() == c.segments {
                m3u8_seg_agree += 1;
            }
        }
    }
    println!("well-formed parsed (Normal): {ok}/{wellformed}");
    println!(
        "malformed with a typed error (Strict): {strict_errors}/{malformed}; also at Normal: {normal_errors}"
    );
    println!("HLS media playlists with matching segment/LL-HLS counts: {media_checked} checked");
    println!(
        "m3u8-rs keeps EXT-X-PART {m3u8_parts}/{file_parts}, EXT-X-PRELOAD-HINT {m3u8_hints}/{file_hints}, EXT-X-RENDITION-REPORT {m3u8_reports}/{file_reports}; segment counts agree on {m3u8_seg_agree}/{m3u8_seg_total}"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(ok, wellformed);
    assert_eq!(strict_errors, malformed);
}

#[test]
fn corpus_init_segments_match_mp4_crate() {
    let Some(root) = common::shared_data("manifests") else {
        return;
    };
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("mp4" | "m4s"))
                || p.to_string_lossy().contains("Fragments(")
            {
                files.push(p);
            }
        }
    }
    let (mut parsed, mut compared, mut rejected) = (0, 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).expect("readable");
        let reference =
            mp4::Mp4Reader::read_header(std::io::Cursor::new(&bytes), bytes.len() as u64);
        let info = match dmoe_core::cmaf::parse_init(&bytes) {
            Ok(i) => i,
            Err(e) => {
                // Not stricter than the reference: a file we refuse, mp4 refuses too
                // (hls-aes-256/init.mp4 is encrypted as a whole and is no box stream).
                assert!(reference.is_err(), "{}: {e}, but mp4 reads it", f.display());
                rejected += 1;
                continue;
            }
        };
        parsed += 1;
        assert!(!info.tracks.is_empty(), "{}: no tracks", f.display());
        for t in &info.tracks {
            assert!(t.timescale > 0, "{}: zero timescale", f.display());
        }
        if let Ok(r) = reference {
            compared += 1;
            for (id, mt) in r.tracks() {
                let ours = info
                    .tracks
                    .iter()
                    .find(|t| t.track_id == *id)
                    .unwrap_or_else(|| panic!("{}: track {id} missing", f.display()));
                assert_eq!(ours.timescale, mt.timescale(), "{}", f.display());
            }
        }
    }
    println!(
        "init segments parsed: {parsed}/{}; refused (mp4 refuses too): {rejected}; timescales cross-checked with mp4: {compared}",
        files.len()
    );
    assert_eq!(parsed + rejected, files.len());
    assert!(parsed >= files.len() - 2);
}
