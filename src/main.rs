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
