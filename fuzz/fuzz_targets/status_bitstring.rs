//! Bitstring Status List decoding (`insignia-verify::status`): multibase
//! base64url, GZIP (bounded: a bomb is refused), entry lookup.
#![no_main]

use insignia_verify::status::{decode_bitstring, status_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (index, rest) = match data.split_first_chunk::<9>() {
        Some((head, rest)) => (head, rest),
        None => return,
    };
    let Ok(encoded) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(bits) = decode_bitstring(encoded) {
        let at = u64::from_le_bytes([
            index[0], index[1], index[2], index[3], index[4], index[5], index[6], index[7],
        ]);
        let size = u64::from(index[8] % 9);
        let _ = status_value(&bits, at, size);
    }
});
