//! The foreign logger: the app implements [`Logger`] and installs it with [`set_logger`];
//! every `log` record dashlite emits at or above the chosen level is handed to it.
//!
//! A single Rust logger is installed in the `log` facade, once; it forwards to whichever
//! foreign logger is current. The foreign logger is only ever called (and only ever dropped)
//! after the lock guarding it is released, so a logger that logs again, blocks, or is
//! replaced from another thread cannot deadlock. Records emitted while a thread is already
//! inside the foreign logger are dropped instead of recursing.

use std::cell::Cell;
use std::sync::{Arc, OnceLock, RwLock};

/// The severity of a log record (the `log` crate's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something is wrong but dashlite carries on.
    Warn,
    /// Milestones (sync progress, peers).
    Info,
    /// Details for debugging.
    Debug,
    /// Everything.
    Trace,
}

impl From<log::Level> for LogLevel {
    fn from(l: log::Level) -> Self {
        match l {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug => LogLevel::Debug,
            log::Level::Trace => LogLevel::Trace,
        }
    }
}

impl From<LogLevel> for log::LevelFilter {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Error => log::LevelFilter::Error,
            LogLevel::Warn => log::LevelFilter::Warn,
            LogLevel::Info => log::LevelFilter::Info,
            LogLevel::Debug => log::LevelFilter::Debug,
            LogLevel::Trace => log::LevelFilter::Trace,
        }
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// Its severity.
    pub level: LogLevel,
    /// The module that logged it (`dashlite::sync`, `dashlite_ffi::tx`, …).
    pub target: String,
    /// The formatted message.
    pub message: String,
    /// The source file, when known.
    pub file: Option<String>,
    /// The source line, when known.
    pub line: Option<u32>,
}

/// Receives dashlite's log records; implemented by the app (Kotlin, Swift, Python).
///
/// Called on whichever thread logged, possibly several at once: implementations must be
/// thread-safe and should return quickly.
#[uniffi::export(foreign)]
pub trait Logger: Send + Sync {
    /// Handles one record.
    fn log(&self, record: LogRecord);
}

/// Why the logger could not be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LoggerError {
    /// Another Rust logger already owns the `log` facade in this process.
    #[error("another logger is already installed in the log facade")]
    AnotherLoggerInstalled,
}

/// The current foreign logger.
static CURRENT: RwLock<Option<Arc<dyn Logger>>> = RwLock::new(None);
/// Whether our forwarder owns the `log` facade (decided by the first `set_logger`).
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    static IN_LOGGER: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as inside the foreign logger until dropped (also on unwinding).
struct ReentryGuard;

impl ReentryGuard {
    fn enter() -> Self {
        IN_LOGGER.with(|f| f.set(true));
        ReentryGuard
    }
}

impl Drop for ReentryGuard {
    fn drop(&mut self) {
        IN_LOGGER.with(|f| f.set(false));
    }
}

struct Forwarder;

static FORWARDER: Forwarder = Forwarder;

fn current() -> Option<Arc<dyn Logger>> {
    // A poisoned lock still holds a valid Option; the clone ends the borrow at once.
    CURRENT.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Puts `logger` in place and returns the previous one, to be dropped by the caller after
/// the lock is released (dropping a foreign logger calls foreign code).
fn replace(logger: Option<Arc<dyn Logger>>) -> Option<Arc<dyn Logger>> {
    std::mem::replace(&mut *CURRENT.write().unwrap_or_else(|p| p.into_inner()), logger)
}

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) || IN_LOGGER.with(Cell::get) {
            return;
        }
        let Some(logger) = current() else { return };
        let record = LogRecord {
            level: record.level().into(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            file: record.file().map(str::to_owned),
            line: record.line(),
        };
        let _guard = ReentryGuard::enter();
        logger.log(record);
    }

    fn flush(&self) {}
}

/// Routes dashlite's log records at `level` and more severe to `logger`, replacing any
/// logger set before. The first call installs dashlite's forwarder in the `log` facade; it
/// fails only if some other Rust logger got there first.
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, level: LogLevel) -> Result<(), LoggerError> {
    let installed = *INSTALLED.get_or_init(|| log::set_logger(&FORWARDER).is_ok());
    if !installed {
        return Err(LoggerError::AnotherLoggerInstalled);
    }
    let previous = replace(Some(logger));
    drop(previous);
    log::set_max_level(level.into());
    log::info!("dashlite {} logging at {level:?} and above", env!("CARGO_PKG_VERSION"));
    Ok(())
}

/// Stops delivering log records and releases the logger set by [`set_logger`].
#[uniffi::export]
pub fn clear_logger() {
    if INSTALLED.get() == Some(&true) {
        log::set_max_level(log::LevelFilter::Off);
    }
    drop(replace(None));
}
