//! The `notice-ingest` command: parses arguments, calls the library, maps errors to exit codes.
//!
//! Exit codes: 0 everything converted without error diagnostics; 1 an input had errors (a file
//! that could not be converted, an error diagnostic, a document that breaks the schema); 2 usage
//! or I/O (bad flags, unreadable file, unwritable output).

mod cli;

/// jemalloc for the program (not the library): a batch spends about a sixth of its time
/// allocating and freeing, and jemalloc does that about 8% faster than glibc's allocator for a few
/// MiB more peak memory (README, Benchmarks).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The commands that turn huge pages off for their process and the processes they start
/// (Linux's `PR_SET_THP_DISABLE`, kept across `exec`), for a system whose transparent huge pages
/// are on for every process (`always`): a batch, its conversion processes and the service then
/// grow their memory 4 KiB at a time, so that their peak stays what it is (a batch over 1,000 PDFs
/// peaked at 46 MiB with huge pages, 30 MiB without) and a page fault never waits for the kernel
/// to make a huge page on a busy machine. A batch gains no time from huge pages: its processes
/// reuse their heap from file to file. (The program does not ask for huge pages itself: a single
/// conversion that did took up to twice as long after another large process had run; README,
/// PDF batches, ninth round.)
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
pub(crate) const KEEP_PAGES_SMALL: [&str; 3] = ["batch", "serve", "__convert-worker"];

/// Turns huge pages off (see [`KEEP_PAGES_SMALL`]) when the command is one of those, before the
/// program allocates anything: the first allocation would already take a huge page. glibc calls
/// the functions of `.init_array` with the program's arguments before `main`, as the standard
/// library's own capture of the arguments relies on; elsewhere huge pages stay as configured.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[link_section = ".init_array"]
static KEEP_PAGES_SMALL_BEFORE_MAIN: extern "C" fn(
    libc::c_int,
    *const *const libc::c_char,
    *const *const libc::c_char,
) = {
    extern "C" fn keep_pages_small(argc: libc::c_int, argv: *const *const libc::c_char, _: *const *const libc::c_char) {
        if argc < 2 || argv.is_null() {
            return;
        }
        // SAFETY: glibc passes `main`'s argc and argv: argv[1] exists when argc >= 2 and is a
        // NUL-terminated string.
        let command = unsafe { std::ffi::CStr::from_ptr(*argv.add(1)) };
        if KEEP_PAGES_SMALL.iter().any(|c| c.as_bytes() == command.to_bytes()) {
            // SAFETY: prctl(2) with PR_SET_THP_DISABLE takes integer arguments only.
            unsafe {
                libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
            }
        }
    }
    keep_pages_small
};

use std::process::ExitCode;

use clap::Parser;

use cli::args::*;
use cli::*;
use notice_ingest::Severity;

const OK: u8 = 0;
const INPUT_ERRORS: u8 = 1;
const USAGE_OR_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE_OR_IO } else { OK });
        }
    };
    if cli.command.writes_stdout() && !stdout_is_open() {
        note!("error: standard output is closed; nothing could be written (use -o DIR to write files)");
        return ExitCode::from(USAGE_OR_IO);
    }
    ExitCode::from(match cli.command {
        Command::Convert { files, output, format, registry, limits, verbose } => {
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => {
                    let status = convert(&files, &output, format.into(), &config, verbose);
                    // The process ends here: freeing the registries would take time and give
                    // nothing back to anyone.
                    std::mem::forget(config);
                    status
                }
                Err(code) => code,
            }
        }
        Command::Validate { files } => validate(&files),
        Command::Batch {
            inputs,
            output,
            jobs,
            exclude,
            incremental,
            prune,
            strict,
            isolate,
            worker_memory_mib,
            fail_on,
            report,
            junit,
            sqlite,
            shard,
            registry,
            limits,
            verbose,
        } => {
            let fail_on = match fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
            };
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => {
                    let worker = worker(isolate, worker_memory_mib, registry.as_deref(), &limits, &config);
                    let outputs = BatchOutputs { out_dir: output, report, junit, sqlite };
                    let flags = BatchFlags {
                        jobs: jobs.map(usize::from),
                        fail_on,
                        shard: shard.as_deref(),
                        exclude: &exclude,
                        incremental,
                        prune,
                        strict,
                        verbose,
                        fingerprint: config_fingerprint(registry.as_deref(), &limits),
                    };
                    batch(&inputs, outputs, flags, worker, &config)
                }
                Err(code) => code,
            }
        }
        Command::ConvertWorker { registry, limits, memory_mib } => {
            if let Some(mib) = memory_mib {
                limit_address_space(mib);
            }
            match load_config(registry.as_deref(), &limits) {
                Ok(config) => {
                    let written =
                        notice_ingest::batch::serve(&config, std::io::stdin().lock(), std::io::stdout().lock());
                    if written.is_ok() {
                        OK
                    } else {
                        USAGE_OR_IO
                    }
                }
                Err(code) => code,
            }
        }
        Command::Merge { dirs, output } => merge(&dirs, &output),
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Offices { action: None, registry, json } => offices(registry.as_deref(), json),
        Command::Offices { action: Some(OfficesAction::Collect { inputs, id, issuer, base, limits }), .. } => {
            collect_offices(&inputs, &id, issuer.as_deref(), base.as_deref(), &limits)
        }
        Command::Split { text, registry } => split(&text, registry.as_deref()),
        Command::Serve(args) => serve(&args),
        Command::Draw(args) => draw(&args),
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_commands_that_keep_pages_small_are_commands() {
        let cli = super::Cli::command();
        for name in super::KEEP_PAGES_SMALL {
            assert!(cli.find_subcommand(name).is_some(), "{name} is no command");
        }
    }
}
