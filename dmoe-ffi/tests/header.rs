//! The committed C header is what cbindgen makes of the current source, and its version
//! matches Cargo.toml.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

#[test]
fn committed_header_is_current() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let cfg = cbindgen::Config::from_file(Path::new(dir).join("cbindgen.toml")).expect("config");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(cfg)
        .generate()
        .expect("cbindgen runs")
        .write(&mut out);
    let generated = String::from_utf8(out).expect("UTF-8 header");
    let path = Path::new(dir).join("../bindings/c/include/dmoe.h");
    if std::env::var_os("DMOE_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "bindings/c/include/dmoe.h is stale: run `DMOE_BLESS=1 cargo test -p dmoe-ffi --test header`"
    );
    let v = env!("CARGO_PKG_VERSION");
    assert!(
        committed.contains(&format!("#define DMOE_VERSION \"{v}\"")),
        "DMOE_VERSION in cbindgen.toml must be {v}"
    );
    for (name, part) in ["MAJOR", "MINOR", "PATCH"].iter().zip(v.split('.')) {
        assert!(
            committed.contains(&format!("#define DMOE_VERSION_{name} {part}")),
            "DMOE_VERSION_{name}"
        );
    }
}
