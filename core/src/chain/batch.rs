//! Hashing a batch of headers on every core before the header tree checks them in order:
//! hash in parallel, then check in order.
//!
//! X11 is by far the largest cost of validating a header (10–20 µs against about 1 µs for
//! all the other rules), and each header's hash depends on that header alone, so an
//! uncompressed `headers` batch is split into one contiguous chunk per thread with
//! [`std::thread::scope`]; the results come back in order. `headers2` batches cannot be split
//! this way (an omitted prev hash is the X11 of the header before it), so their hashes come
//! from the decompressor and are never recomputed: see [`decompress_headers2`].

use crate::hash::BlockHash;
use crate::wire::{BlockHeader, HashedHeader, Headers2, Headers2Error};

/// Below this many headers per thread a batch is hashed on the calling thread: starting a
/// thread costs about as much as a few X11 hashes.
pub const MIN_HEADERS_PER_THREAD: usize = 16;

/// The number of threads [`hash_headers_parallel`] uses by default: the cores the operating
/// system gives this process (1 if it cannot tell).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// X11 of every header, in order, computed on up to `threads` threads (0 counts as 1).
pub fn hash_headers_parallel(headers: &[BlockHeader], threads: usize) -> Vec<HashedHeader> {
    hash_with(headers, threads, BlockHeader::block_hash)
}

/// [`hash_headers_parallel`] with another hash function (tests, or a hasher with a cache).
pub fn hash_with<F>(headers: &[BlockHeader], threads: usize, hasher: F) -> Vec<HashedHeader>
where
    F: Fn(&BlockHeader) -> BlockHash + Sync,
{
    let hash_one = |header: &BlockHeader| HashedHeader { header: *header, hash: hasher(header) };
    let threads = threads.clamp(1, (headers.len() / MIN_HEADERS_PER_THREAD).max(1));
    if threads == 1 {
        return headers.iter().map(hash_one).collect();
    }
    let chunk = headers.len().div_ceil(threads);
    let mut out =
        vec![
            HashedHeader { header: BlockHeader::from_array(&[0; 80]), hash: BlockHash::ZERO };
            headers.len()
        ];
    std::thread::scope(|scope| {
        let mut jobs = headers.chunks(chunk).zip(out.chunks_mut(chunk));
        // The calling thread takes the first chunk itself.
        let first = jobs.next();
        for (input, output) in jobs {
            scope.spawn(move || {
                for (h, o) in input.iter().zip(output.iter_mut()) {
                    *o = hash_one(h);
                }
            });
        }
        if let Some((input, output)) = first {
            for (h, o) in input.iter().zip(output.iter_mut()) {
                *o = hash_one(h);
            }
        }
    });
    out
}

/// Decompresses a `headers2` message with X11, hashing each header exactly once; the result
/// goes to [`HeaderTree::accept_hashed`](crate::chain::HeaderTree::accept_hashed) unchanged.
pub fn decompress_headers2(message: &Headers2) -> Result<Vec<HashedHeader>, Headers2Error> {
    message.decompress(BlockHeader::block_hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::testdata::HeaderFile;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn parallel_hashes_equal_sequential_hashes_in_order_for_every_thread_count() {
        let file = HeaderFile::mainnet();
        let headers = &file.headers[..203];
        let sequential: Vec<BlockHash> = headers.iter().map(BlockHeader::block_hash).collect();
        for threads in [0, 1, 2, 3, 7, 64] {
            let got = hash_headers_parallel(headers, threads);
            assert_eq!(got.len(), headers.len());
            for (i, g) in got.iter().enumerate() {
                assert_eq!((g.header, g.hash), (headers[i], sequential[i]), "{threads}: {i}");
            }
        }
        // Each real header's hash is what the next one names as its parent.
        for w in hash_headers_parallel(headers, 2).windows(2) {
            assert_eq!(w[0].hash, w[1].header.prev_blockhash);
        }
        assert!(hash_headers_parallel(&[], 2).is_empty());
    }

    #[test]
    fn every_header_is_hashed_exactly_once() {
        let file = HeaderFile::mainnet();
        let calls = AtomicUsize::new(0);
        let counting = |h: &BlockHeader| {
            calls.fetch_add(1, Ordering::Relaxed);
            BlockHash::from_byte_array(crate::hash::sha256d(&h.to_array()))
        };
        let out = hash_with(&file.headers[..1000], 2, counting);
        assert_eq!((out.len(), calls.load(Ordering::Relaxed)), (1000, 1000));
    }
}
