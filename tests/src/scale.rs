//! The mainnet-scale benchmark chain: a long run of default blocks (a
//! coinbase only; headers cached on disk by [`crate::cache`]) followed by a window of blocks
//! that carry unrelated payments and, every so often, a payment to a watch-only account.
//!
//! Memory: the default part costs the chain's header vector and index (about 110 bytes per
//! block); only the window's blocks keep bodies.

use crate::cache::cached_chain;
use crate::chain::{Chain, COIN};
use crate::keys::TestKey;
pub use crate::wallet::{account, key_script, ACCOUNT_XPUB};
use dashlite::hash::Txid;
use dashlite::tx::Script;
use std::io;
use std::path::Path;

/// The shape of the benchmark chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSpec {
    /// The tip height.
    pub headers: u32,
    /// Blocks in the window at the top (the wallet's birthday is the first of them).
    pub blocks: u32,
    /// A wallet payment in every `payment_every`-th window block (from the first).
    pub payment_every: u32,
    /// Payments go to external keys 0, 1, …, `keys - 1`, then round again; more than the gap
    /// limit (20) makes the client extend its filter during the sync.
    pub keys: u32,
    /// Unrelated payments in every window block.
    pub fill: u32,
}

impl Default for ScaleSpec {
    /// 2.5 million headers, 100,000 blocks with two unrelated payments each and a wallet
    /// payment every 100 blocks over 40 keys.
    fn default() -> Self {
        ScaleSpec { headers: 2_500_000, blocks: 100_000, payment_every: 100, keys: 40, fill: 2 }
    }
}

impl ScaleSpec {
    /// The first height of the window: the wallet's birthday.
    pub fn birthday(&self) -> u32 {
        self.headers - self.blocks + 1
    }
}

/// A payment to the watched account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// The paying transaction.
    pub txid: Txid,
    /// The block it is in.
    pub height: u32,
    /// The external key index paid.
    pub key: u32,
    /// Duffs paid.
    pub value: i64,
}

/// Builds the chain `spec` describes: the default part read from (or written to) the header
/// cache in `cache_dir`, then the window mined on top. Returns the chain and the wallet's
/// payments, lowest first. Deterministic: the same spec gives the same chain.
pub fn build(spec: &ScaleSpec, cache_dir: &Path) -> io::Result<(Chain, Vec<Payment>)> {
    if spec.blocks == 0 || spec.blocks >= spec.headers || spec.payment_every == 0 || spec.keys == 0
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need 0 < blocks < headers, payment_every > 0 and keys > 0",
        ));
    }
    let mut chain = cached_chain(cache_dir, spec.headers - spec.blocks)?;
    chain.reserve(spec.blocks);
    let others = [TestKey::from_seed("bob").p2pkh(), TestKey::from_seed("carol").p2pkh()];
    let scripts: Vec<Script> = (0..spec.keys).map(key_script).collect();
    let mut payments = Vec::new();
    for i in 0..spec.blocks {
        for f in 0..spec.fill {
            chain.send(&others[(f % 2) as usize], COIN / 100);
        }
        let paid = (i % spec.payment_every == 0).then(|| {
            let n = i / spec.payment_every;
            let key = n % spec.keys;
            let value = COIN / 10 * i64::from(1 + n % 7);
            (chain.send(&scripts[key as usize], value).txid(), key, value)
        });
        chain.mine(1);
        if let Some((txid, key, value)) = paid {
            payments.push(Payment { txid, height: chain.height(), key, value });
        }
    }
    Ok((chain, payments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_pays_the_account_where_the_payments_say() {
        let dir = std::env::temp_dir().join(format!("dashlite-scale-test-{}", std::process::id()));
        let spec = ScaleSpec { headers: 60, blocks: 20, payment_every: 7, keys: 2, fill: 1 };
        let (chain, payments) = build(&spec, &dir).expect("build");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(chain.height(), 60);
        assert_eq!(spec.birthday(), 41);
        let heights: Vec<u32> = payments.iter().map(|p| p.height).collect();
        assert_eq!(heights, vec![41, 48, 55]);
        for p in &payments {
            let txs = chain.transactions(p.height).expect("block");
            let tx = txs.iter().find(|t| t.txid() == p.txid).expect("payment in its block");
            assert!(tx
                .outputs
                .iter()
                .any(|o| o.script_pubkey == key_script(p.key) && o.value == p.value));
        }
        // Every window block carries the unrelated payment; blocks below it only a coinbase.
        assert_eq!(chain.transactions(50).expect("block").len(), 2);
        assert_eq!(chain.transactions(40).expect("block").len(), 1);
    }
}
