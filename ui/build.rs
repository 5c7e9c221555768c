//! Compiles the screens in `slint/` into Rust.

fn main() {
    // Debug info names elements, so headless tests find them by their accessible labels.
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("slint/app.slint", config) {
        panic!("compiling the screens in ui/slint: {e}");
    }
}
