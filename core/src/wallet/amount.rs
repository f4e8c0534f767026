//! [`Amount`]: a signed number of duffs, shown as DASH.

use std::fmt;

/// Duffs in one DASH (Dash Core's `COIN`).
pub const DUFFS_PER_DASH: i64 = 100_000_000;

/// An amount of Dash in duffs (1 DASH = 100,000,000 duffs), signed: a wallet transaction's
/// net amount is negative when it pays out.
///
/// `Display` shows DASH with all eight decimals, as Dash Core's `FormatMoney` does, and
/// honours width, alignment and `+`:
///
/// ```
/// use dashlite::wallet::Amount;
///
/// assert_eq!(Amount::from_duffs(150_000_000).to_string(), "1.50000000");
/// assert_eq!(Amount::from_duffs(-1).to_string(), "-0.00000001");
/// assert_eq!(format!("{:>+12}", Amount::from_duffs(2)), " +0.00000002");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(transparent))]
pub struct Amount(i64);

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(0);
    /// One DASH.
    pub const ONE_DASH: Amount = Amount(DUFFS_PER_DASH);

    /// `duffs` duffs.
    pub const fn from_duffs(duffs: i64) -> Amount {
        Amount(duffs)
    }

    /// The amount in duffs.
    pub const fn duffs(self) -> i64 {
        self.0
    }

    /// Whether it is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// The difference, or `None` on overflow.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }
}

impl From<i64> for Amount {
    fn from(duffs: i64) -> Self {
        Amount(duffs)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match (self.0 < 0, f.sign_plus()) {
            (true, _) => "-",
            (false, true) => "+",
            (false, false) => "",
        };
        let abs = self.0.unsigned_abs();
        let per = DUFFS_PER_DASH.unsigned_abs();
        f.pad(&format!("{sign}{}.{:08}", abs / per, abs % per))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_eight_decimals_with_the_sign() {
        let show = |d| Amount::from_duffs(d).to_string();
        assert_eq!(show(0), "0.00000000");
        assert_eq!(show(1), "0.00000001");
        assert_eq!(show(DUFFS_PER_DASH), "1.00000000");
        assert_eq!(show(-250_000_000), "-2.50000000");
        assert_eq!(show(21_000_000 * DUFFS_PER_DASH), "21000000.00000000");
        assert_eq!(show(i64::MIN), "-92233720368.54775808");
        assert_eq!(show(i64::MAX), "92233720368.54775807");
    }

    #[test]
    fn honours_width_alignment_and_plus() {
        let a = Amount::from_duffs(-5);
        assert_eq!(format!("{a:>14}"), "   -0.00000005");
        assert_eq!(format!("{a:<12}|"), "-0.00000005 |");
        assert_eq!(format!("{:+}", Amount::ZERO), "+0.00000000");
        assert_eq!(format!("{:+}", a), "-0.00000005");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Amount::ONE_DASH.checked_sub(Amount::from_duffs(1)), Some(Amount(99_999_999)));
        assert_eq!(Amount::from_duffs(i64::MAX).checked_add(Amount::from_duffs(1)), None);
    }
}
