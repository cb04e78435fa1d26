//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libminihost_ffi.so --language kotlin --out-dir DIR`:
//! the generator of the uniffi version `minihost-ffi` links, so bindings and library agree.

fn main() {
    uniffi::uniffi_bindgen_main()
}
