//! The command's modules: arguments, and the commands by kind.
//!
//! Everything the commands print goes through `say!` (standard output) and `note!` (standard
//! error), which never panic: a reader that went away (`batch … 2>&1 | head`) must not stop a run
//! that writes its real outputs to files, so a line that cannot be written is dropped.

/// Prints a line to standard output; a closed or failing stream drops it instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Prints a line to standard error; a closed or failing stream drops it instead of panicking.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub(crate) use note;

pub(crate) mod args;
pub(crate) mod batch;
pub(crate) mod convert;
pub(crate) mod misc;
pub(crate) mod progress;
pub(crate) mod serve;

pub(crate) use batch::*;
pub(crate) use convert::*;
pub(crate) use misc::*;
pub(crate) use serve::{draw, serve};
