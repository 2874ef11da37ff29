#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dmoe_core::fuzzing::agent(data);
});
