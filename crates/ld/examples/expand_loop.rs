//! Profiling aid: expands a JSON-LD file N times (`cargo run --release --example expand_loop FILE N`).
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE");
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let mut total = 0;
    for _ in 0..n {
        total += insignia_ld::expand(&doc, &Default::default())
            .expect("expand")
            .quads
            .len();
    }
    println!("{total}");
}
