//! # libdmoe
//!
//! The foreign-language face of DMOE. This crate only converts types; every decision lives
//! in `dmoe-core`, so C, Kotlin, Swift and JavaScript hosts cannot behave differently.
//!
//! [`capi`] is the C ABI of the device agent (header: `bindings/c/include/dmoe.h`);
//! [`uniffi`] is the same agent for Kotlin and Swift (bindings generated from this
//! library by `uniffi-bindgen`, see `bindings/kotlin` and `bindings/swift`). Both live in
//! one native library: a phone app carries one copy of the core.

#![warn(missing_docs)]

use std::ffi::{CStr, c_char};

// The C ABI is not part of the wasm module: its exports would keep every JSON path alive.
#[cfg(not(target_arch = "wasm32"))]
pub mod capi;
#[cfg(all(feature = "uniffi", not(target_arch = "wasm32")))]
pub mod uniffi;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(all(feature = "uniffi", not(target_arch = "wasm32")))]
::uniffi::setup_scaffolding!("dmoe");

/// The crate version as a NUL-terminated string.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version string has an interior NUL"),
    };

/// The library version, e.g. `"0.1.0"`.
///
/// Returns a pointer to a static NUL-terminated UTF-8 string owned by the library: never
/// NULL, valid for the life of the process, must not be freed. Callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn dmoe_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Major version number.
#[unsafe(no_mangle)]
pub extern "C" fn dmoe_version_major() -> u32 {
    parse_component(env!("CARGO_PKG_VERSION_MAJOR"))
}

/// Minor version number.
#[unsafe(no_mangle)]
pub extern "C" fn dmoe_version_minor() -> u32 {
    parse_component(env!("CARGO_PKG_VERSION_MINOR"))
}

/// Patch version number.
#[unsafe(no_mangle)]
pub extern "C" fn dmoe_version_patch() -> u32 {
    parse_component(env!("CARGO_PKG_VERSION_PATCH"))
}

fn parse_component(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_cargo() {
        // SAFETY: dmoe_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(dmoe_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let joined = format!(
            "{}.{}.{}",
            dmoe_version_major(),
            dmoe_version_minor(),
            dmoe_version_patch()
        );
        assert_eq!(joined, env!("CARGO_PKG_VERSION"));
    }
}
