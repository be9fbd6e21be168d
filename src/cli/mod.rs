//! The command's modules: arguments, and the commands by kind.

pub(crate) mod args;
pub(crate) mod batch;
pub(crate) mod convert;
pub(crate) mod misc;
pub(crate) mod serve;

pub(crate) use batch::*;
pub(crate) use convert::*;
pub(crate) use misc::*;
pub(crate) use serve::{draw, serve};
