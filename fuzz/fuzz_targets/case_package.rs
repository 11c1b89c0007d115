//! The CASE package reader: any text must give a framework or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nsx_core::frameworks::case_read::fuzz_one(data);
});
