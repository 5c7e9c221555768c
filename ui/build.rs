//! Compiles the screens in `slint/` into Rust.

fn main() {
    let config = slint_build::CompilerConfiguration::new().with_style("fluent".into());
    if let Err(e) = slint_build::compile_with_config("slint/app.slint", config) {
        panic!("compiling the screens in ui/slint: {e}");
    }
}
