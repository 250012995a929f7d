fn main() {
    std::process::exit(bssctl::cli::main_exit_code());
}
