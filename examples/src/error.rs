//! How a command fails: bad input (exit status 2) or a failure to do what was asked
//! (exit status 1, as a negative verdict is).

use std::fmt::Display;
use std::process::ExitCode;

use dashlite::client::{BuildError, ClientError};

/// Why a command stopped short.
#[derive(Debug)]
pub enum CliError {
    /// The user's input is wrong (an argument, the contents of a given file): exit status 2.
    Usage(String),
    /// The command could not do what was asked (the store, the network, the client stopped):
    /// exit status 1.
    Failed(String),
}

impl CliError {
    /// The exit status that says which kind of failure this is.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }

    /// The one-line reason.
    pub fn reason(&self) -> &str {
        match self {
            CliError::Usage(r) | CliError::Failed(r) => r,
        }
    }
}

/// Bad input, with its reason.
pub fn usage(reason: impl Into<String>) -> CliError {
    CliError::Usage(reason.into())
}

/// Marks an error as the user's input being wrong, at the place it happens.
pub trait Classify<T> {
    /// Bad input; `what` (if not empty) names the input and prefixes the reason.
    fn usage(self, what: &str) -> Result<T, CliError>;
}

impl<T, E: Display> Classify<T> for Result<T, E> {
    fn usage(self, what: &str) -> Result<T, CliError> {
        self.map_err(|e| {
            CliError::Usage(if what.is_empty() { e.to_string() } else { format!("{what}: {e}") })
        })
    }
}

/// A build error is bad input when a setting, a watch item or the birthday the user gave is
/// wrong, and a failure when the store or its contents are.
impl From<BuildError> for CliError {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::Watch(_)
            | BuildError::Account(_)
            | BuildError::BirthdayTooEarly { .. }
            | BuildError::InvalidSetting { .. } => CliError::Usage(e.to_string()),
            BuildError::Store(_) | BuildError::Sync(_) | BuildError::StoredPeers(_) => {
                CliError::Failed(e.to_string())
            }
        }
    }
}

/// A call on a running client is bad input when the watch item or transaction the user gave
/// is wrong, and a failure otherwise (the store, a client that stopped).
impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Watch(_) | ClientError::Account(_) | ClientError::BadTransaction(_) => {
                CliError::Usage(e.to_string())
            }
            _ => CliError::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dashlite::chain::StoreError;

    #[test]
    fn settings_are_bad_input_and_the_store_is_a_failure() {
        let bad = BuildError::InvalidSetting { setting: "peers", reason: "none" };
        assert_eq!(CliError::from(bad).exit_code(), ExitCode::from(2));
        let open = BuildError::Store(StoreError::new(std::io::Error::other("locked")));
        assert_eq!(CliError::from(open).exit_code(), ExitCode::from(1));
        let store = ClientError::Store(StoreError::new(std::io::Error::other("disk full")));
        let e = CliError::from(store);
        assert!(matches!(e, CliError::Failed(_)));
        assert_eq!(e.exit_code(), ExitCode::from(1));
        assert_eq!(CliError::from(ClientError::Stopped).exit_code(), ExitCode::from(1));
        assert_eq!(usage("x").exit_code(), ExitCode::from(2));
    }

    #[test]
    fn context_is_prefixed_when_given() {
        let r: Result<(), &str> = Err("odd digits");
        assert_eq!(r.usage("hex").unwrap_err().reason(), "hex: odd digits");
        let r: Result<(), &str> = Err("odd digits");
        assert_eq!(r.usage("").unwrap_err().reason(), "odd digits");
    }
}
