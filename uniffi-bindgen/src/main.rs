//! `uniffi-bindgen generate --library target/release/libdmoe.so --language kotlin ...`:
//! the generator at the exact version of the scaffolding in libdmoe.

fn main() {
    uniffi::uniffi_bindgen_main()
}
