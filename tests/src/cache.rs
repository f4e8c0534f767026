//! Long header-only chains for benchmarks, cached on disk: a file of raw 80-byte headers
//! (heights 1..=n of the default regtest chain), rebuilt when missing or damaged.
//!
//! The cached chain is exactly `Chain::with_blocks(n)`: default blocks on branch 0, so every
//! block's body (its coinbase) is rebuilt on demand and the chain can serve filtered blocks.

use crate::chain::Chain;
use dashlite::network::Network;
use dashlite::wire::BlockHeader;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bumped whenever the builder's blocks change, so stale caches are not reused.
const FORMAT: u32 = 1;

/// The default cache folder: `$DASHLITE_TESTKIT_CACHE`, else `dashlite-testkit` in the
/// system's temporary folder.
pub fn default_cache_dir() -> PathBuf {
    std::env::var_os("DASHLITE_TESTKIT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("dashlite-testkit"))
}

/// The cache file for a chain of `blocks` blocks in `dir`.
pub fn cache_path(dir: &Path, blocks: u32) -> PathBuf {
    dir.join(format!("regtest-headers-v{FORMAT}-{blocks}.bin"))
}

/// The default chain of `blocks` blocks, read from `dir` if cached there, else built (X11
/// mining, about two hashes per block) and written to `dir` first.
pub fn cached_chain(dir: &Path, blocks: u32) -> io::Result<Chain> {
    let path = cache_path(dir, blocks);
    if let Some(chain) = read_cache(&path, blocks)? {
        return Ok(chain);
    }
    let chain = Chain::with_blocks(blocks);
    write_cache(&path, &chain)?;
    Ok(chain)
}

fn read_cache(path: &Path, blocks: u32) -> io::Result<Option<Chain>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let expected = u64::from(blocks) * BlockHeader::SIZE as u64;
    if file.metadata()?.len() != expected {
        return Ok(None);
    }
    // Read straight into the chain's header vector: memory is the headers, once.
    let mut headers = Vec::with_capacity(blocks as usize + 1);
    headers.push(Network::Regtest.params().genesis_header());
    let mut reader = io::BufReader::with_capacity(1 << 20, file);
    let mut raw = [0u8; BlockHeader::SIZE];
    for _ in 0..blocks {
        reader.read_exact(&mut raw)?;
        headers.push(BlockHeader::from_array(&raw));
    }
    Ok(Chain::from_default_headers(headers))
}

fn write_cache(path: &Path, chain: &Chain) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut out = io::BufWriter::new(fs::File::create(&tmp)?);
        for h in &chain.headers()[1..] {
            out.write_all(&h.to_array())?;
        }
        out.flush()?;
    }
    fs::rename(&tmp, path)
}
