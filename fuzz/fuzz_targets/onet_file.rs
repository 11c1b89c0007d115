//! The O*NET file reader: any bytes, read as the file the first byte picks, must give rows
//! or a located error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nsx_core::onet::fuzz_one(data);
});
