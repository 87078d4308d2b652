#![allow(clippy::unwrap_used)] // a developer tool: a panic is the right answer to bad input

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    let e = insignia_ld::expand(&doc, &Default::default()).unwrap();
    for p in &e.problems {
        println!("{p}");
    }
    for q in &e.quads {
        println!("{q}");
    }
}
