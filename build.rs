//! Links the `notice-ingest` program as a position-dependent executable on Linux with glibc.
//!
//! A position-independent executable (Rust's default there) is relocated by the dynamic loader
//! at every start: about 40,000 pointers in tables of functions and strings, a megabyte of
//! relocation records read and most of a megabyte of data written before `main`. A single-file
//! `convert` starts about 0.6 ms sooner without it (README, Benchmarks), a sixth of its fixed
//! cost. The program's own image is then not placed at a random address (its heap, stack and
//! libraries still are); the library, its tests and the Python module are built as before.
//! `NOTICE_INGEST_PIE=1` at build time keeps the default.

fn main() {
    println!("cargo:rerun-if-env-changed=NOTICE_INGEST_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" && std::env::var_os("NOTICE_INGEST_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
