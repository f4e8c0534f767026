//! dashlite-testkit: an in-process Dash node for end-to-end tests of dashlite.
#![warn(missing_docs)]
