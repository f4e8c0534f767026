//! JH-512 (final-round SHA-3 candidate, 42 rounds), X11 stage 5 (`sph_jh512` in Dash Core's
//! `src/crypto/sph_jh.c`).
//!
//! The 1024-bit state is kept in the bitsliced form of the JH specification's optimised
//! implementation: sixteen 64-bit words `h`, where `h[2i]`, `h[2i + 1]` are the high and low
//! halves of the 128-bit word i, and one S-box acts on bit j of the words (i, i + 2, i + 4,
//! i + 6). A 64-byte big-endian block is XORed into the first half before the E8 permutation
//! and into the second half after it. The message is padded with 0x80, zeros and the 128-bit
//! big-endian bit length so that padding is at least 64 bytes and the total a multiple of 64;
//! the digest is the last 64 bytes of the state.

/// The chain value after hashing the initial block (output length 512).
pub(super) const IV: [u64; 16] = [
    0x6fd14b963e00aa17,
    0x636a2e057a15d543,
    0x8a225e8d0c97ef0b,
    0xe9341259f2b3c361,
    0x891da0c1536f801e,
    0x2aa9056bea2b6d80,
    0x588eccdb2075baa6,
    0xa90f3a76baf83bf7,
    0x0169e60541e34a69,
    0x46b58a8e2e6fe65a,
    0x1047a7d0c1843c24,
    0x3b6e71b12d5ac199,
    0xcf57f6ec9db1f856,
    0xa706887c5716b156,
    0xe3c2fcdfe68517fb,
    0x545a4678cc8cdd4b,
];

/// The 42 round constants of E8, in the bitsliced form (one word per S-box column group).
pub(super) const C: [[[u64; 4]; 7]; 6] = unflatten([
    [0x72d5dea2df15f867, 0x7b84150ab7231557, 0x81abd6904d5a87f6, 0x4e9f4fc5c3d12b40],
    [0xea983ae05c45fa9c, 0x03c5d29966b2999a, 0x660296b4f2bb538a, 0xb556141a88dba231],
    [0x03a35a5c9a190edb, 0x403fb20a87c14410, 0x1c051980849e951d, 0x6f33ebad5ee7cddc],
    [0x10ba139202bf6b41, 0xdc786515f7bb27d0, 0x0a2c813937aa7850, 0x3f1abfd2410091d3],
    [0x422d5a0df6cc7e90, 0xdd629f9c92c097ce, 0x185ca70bc72b44ac, 0xd1df65d663c6fc23],
    [0x976e6c039ee0b81a, 0x2105457e446ceca8, 0xeef103bb5d8e61fa, 0xfd9697b294838197],
    [0x4a8e8537db03302f, 0x2a678d2dfb9f6a95, 0x8afe7381f8b8696c, 0x8ac77246c07f4214],
    [0xc5f4158fbdc75ec4, 0x75446fa78f11bb80, 0x52de75b7aee488bc, 0x82b8001e98a6a3f4],
    [0x8ef48f33a9a36315, 0xaa5f5624d5b7f989, 0xb6f1ed207c5ae0fd, 0x36cae95a06422c36],
    [0xce2935434efe983d, 0x533af974739a4ba7, 0xd0f51f596f4e8186, 0x0e9dad81afd85a9f],
    [0xa7050667ee34626a, 0x8b0b28be6eb91727, 0x47740726c680103f, 0xe0a07e6fc67e487b],
    [0x0d550aa54af8a4c0, 0x91e3e79f978ef19e, 0x8676728150608dd4, 0x7e9e5a41f3e5b062],
    [0xfc9f1fec4054207a, 0xe3e41a00cef4c984, 0x4fd794f59dfa95d8, 0x552e7e1124c354a5],
    [0x5bdf7228bdfe6e28, 0x78f57fe20fa5c4b2, 0x05897cefee49d32e, 0x447e9385eb28597f],
    [0x705f6937b324314a, 0x5e8628f11dd6e465, 0xc71b770451b920e7, 0x74fe43e823d4878a],
    [0x7d29e8a3927694f2, 0xddcb7a099b30d9c1, 0x1d1b30fb5bdc1be0, 0xda24494ff29c82bf],
    [0xa4e7ba31b470bfff, 0x0d324405def8bc48, 0x3baefc3253bbd339, 0x459fc3c1e0298ba0],
    [0xe5c905fdf7ae090f, 0x947034124290f134, 0xa271b701e344ed95, 0xe93b8e364f2f984a],
    [0x88401d63a06cf615, 0x47c1444b8752afff, 0x7ebb4af1e20ac630, 0x4670b6c5cc6e8ce6],
    [0xa4d5a456bd4fca00, 0xda9d844bc83e18ae, 0x7357ce453064d1ad, 0xe8a6ce68145c2567],
    [0xa3da8cf2cb0ee116, 0x33e906589a94999a, 0x1f60b220c26f847b, 0xd1ceac7fa0d18518],
    [0x32595ba18ddd19d3, 0x509a1cc0aaa5b446, 0x9f3d6367e4046bba, 0xf6ca19ab0b56ee7e],
    [0x1fb179eaa9282174, 0xe9bdf7353b3651ee, 0x1d57ac5a7550d376, 0x3a46c2fea37d7001],
    [0xf735c1af98a4d842, 0x78edec209e6b6779, 0x41836315ea3adba8, 0xfac33b4d32832c83],
    [0xa7403b1f1c2747f3, 0x5940f034b72d769a, 0xe73e4e6cd2214ffd, 0xb8fd8d39dc5759ef],
    [0x8d9b0c492b49ebda, 0x5ba2d74968f3700d, 0x7d3baed07a8d5584, 0xf5a5e9f0e4f88e65],
    [0xa0b8a2f436103b53, 0x0ca8079e753eec5a, 0x9168949256e8884f, 0x5bb05c55f8babc4c],
    [0xe3bb3b99f387947b, 0x75daf4d6726b1c5d, 0x64aeac28dc34b36d, 0x6c34a550b828db71],
    [0xf861e2f2108d512a, 0xe3db643359dd75fc, 0x1cacbcf143ce3fa2, 0x67bbd13c02e843b0],
    [0x330a5bca8829a175, 0x7f34194db416535c, 0x923b94c30e794d1e, 0x797475d7b6eeaf3f],
    [0xeaa8d4f7be1a3921, 0x5cf47e094c232751, 0x26a32453ba323cd2, 0x44a3174a6da6d5ad],
    [0xb51d3ea6aff2c908, 0x83593d98916b3c56, 0x4cf87ca17286604d, 0x46e23ecc086ec7f6],
    [0x2f9833b3b1bc765e, 0x2bd666a5efc4e62a, 0x06f4b6e8bec1d436, 0x74ee8215bcef2163],
    [0xfdc14e0df453c969, 0xa77d5ac406585826, 0x7ec1141606e0fa16, 0x7e90af3d28639d3f],
    [0xd2c9f2e3009bd20c, 0x5faace30b7d40c30, 0x742a5116f2e03298, 0x0deb30d8e3cef89a],
    [0x4bc59e7bb5f17992, 0xff51e66e048668d3, 0x9b234d57e6966731, 0xcce6a6f3170a7505],
    [0xb17681d913326cce, 0x3c175284f805a262, 0xf42bcbb378471547, 0xff46548223936a48],
    [0x38df58074e5e6565, 0xf2fc7c89fc86508e, 0x31702e44d00bca86, 0xf04009a23078474e],
    [0x65a0ee39d1f73883, 0xf75ee937e42c3abd, 0x2197b2260113f86f, 0xa344edd1ef9fdee7],
    [0x8ba0df15762592d9, 0x3c85f7f612dc42be, 0xd8a7ec7cab27b07e, 0x538d7ddaaa3ea8de],
    [0xaa25ce93bd0269d8, 0x5af643fd1a7308f9, 0xc05fefda174a19a5, 0x974d66334cfd216a],
    [0x35b49831db411570, 0xea1e0fbbedcd549b, 0x9ad063a151974072, 0xf6759dbf91476fe2],
]);

/// Groups the 42 round constants by seven (one group per cycle of the W_0..W_6 permutations).
const fn unflatten(c: [[u64; 4]; 42]) -> [[[u64; 4]; 7]; 6] {
    let mut out = [[[0u64; 4]; 7]; 6];
    let mut i = 0;
    while i < 42 {
        out[i / 7][i % 7] = c[i];
        i += 1;
    }
    out
}

/// The S-box layer: S-box S0 or S1 (chosen by the constant bit) on four words.
#[inline(always)]
fn sbox(x0: &mut u64, x1: &mut u64, x2: &mut u64, x3: &mut u64, c: u64) {
    *x3 = !*x3;
    *x0 ^= c & !*x2;
    let t = c ^ (*x0 & *x1);
    *x0 ^= *x2 & *x3;
    *x3 ^= !*x1 & *x2;
    *x1 ^= *x0 & *x2;
    *x2 ^= *x0 & !*x3;
    *x0 ^= *x1 | *x3;
    *x3 ^= *x1 & *x2;
    *x1 ^= t & *x0;
    *x2 ^= t;
}

/// The linear transformation L (an MDS code over GF(2^4)) on two nibble-sliced quadruples.
#[inline(always)]
fn linear(h: &mut [u64; 16], i: usize) {
    let (mut x0, mut x1, mut x2, mut x3) = (h[i], h[i + 4], h[i + 8], h[i + 12]);
    let (mut x4, mut x5, mut x6, mut x7) = (h[i + 2], h[i + 6], h[i + 10], h[i + 14]);
    x4 ^= x1;
    x5 ^= x2;
    x6 ^= x3 ^ x0;
    x7 ^= x0;
    x0 ^= x5;
    x1 ^= x6;
    x2 ^= x7 ^ x4;
    x3 ^= x4;
    (h[i], h[i + 4], h[i + 8], h[i + 12]) = (x0, x1, x2, x3);
    (h[i + 2], h[i + 6], h[i + 10], h[i + 14]) = (x4, x5, x6, x7);
}

/// One round: S-boxes with the round constants, then L.
#[inline(always)]
fn sl(h: &mut [u64; 16], c: &[u64; 4]) {
    for (k, &ck) in c.iter().enumerate() {
        let (mut x0, mut x1, mut x2, mut x3) = (h[k], h[k + 4], h[k + 8], h[k + 12]);
        sbox(&mut x0, &mut x1, &mut x2, &mut x3, ck);
        (h[k], h[k + 4], h[k + 8], h[k + 12]) = (x0, x1, x2, x3);
    }
    linear(h, 0);
    linear(h, 1);
}

/// The permutation W_n (n < 6) on the odd 128-bit words: swap adjacent groups of 2^n bits.
#[inline(always)]
fn swap_bits(h: &mut [u64; 16], mask: u64, n: u32) {
    for i in [2, 3, 6, 7, 10, 11, 14, 15] {
        h[i] = ((h[i] & mask) << n) | ((h[i] >> n) & mask);
    }
}

/// W_6: swap the 64-bit halves of the odd 128-bit words.
#[inline(always)]
fn swap_halves(h: &mut [u64; 16]) {
    h.swap(2, 3);
    h.swap(6, 7);
    h.swap(10, 11);
    h.swap(14, 15);
}

/// The compression F8: XOR the block in, apply E8, XOR it into the second half.
#[inline(always)]
fn compress(h: &mut [u64; 16], block: &[u8; 64]) {
    let mut m = [0u64; 8];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_be_bytes(b.try_into().expect("8 bytes"));
    }
    for (x, w) in h.iter_mut().zip(&m) {
        *x ^= w;
    }
    for group in &C {
        sl(h, &group[0]);
        swap_bits(h, 0x5555_5555_5555_5555, 1);
        sl(h, &group[1]);
        swap_bits(h, 0x3333_3333_3333_3333, 2);
        sl(h, &group[2]);
        swap_bits(h, 0x0F0F_0F0F_0F0F_0F0F, 4);
        sl(h, &group[3]);
        swap_bits(h, 0x00FF_00FF_00FF_00FF, 8);
        sl(h, &group[4]);
        swap_bits(h, 0x0000_FFFF_0000_FFFF, 16);
        sl(h, &group[5]);
        swap_bits(h, 0x0000_0000_FFFF_FFFF, 32);
        sl(h, &group[6]);
        swap_halves(h);
    }
    for (x, w) in h[8..].iter_mut().zip(&m) {
        *x ^= w;
    }
}

fn output(h: &[u64; 16]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(&h[8..]) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// JH-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        compress(&mut h, block.try_into().expect("64 bytes"));
    }
    let rest = blocks.remainder();
    let bits = (data.len() as u128).wrapping_mul(8);
    // Padding: 0x80, zeros, 16-byte length; one block if the message fills whole blocks,
    // else two (the rest of the last block and one more).
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    let end = if rest.is_empty() { 64 } else { 128 };
    buf[end - 16..end].copy_from_slice(&bits.to_be_bytes());
    for block in buf[..end].chunks_exact(64) {
        compress(&mut h, block.try_into().expect("64 bytes"));
    }
    output(&h)
}

/// JH-512 of exactly 64 bytes (the block, then one padding block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut h = IV;
    compress(&mut h, data);
    let mut pad = [0u8; 64];
    pad[0] = 0x80;
    pad[62] = 0x02; // 512 bits, big-endian
    compress(&mut h, &pad);
    output(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("jh512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_5_on_every_input() {
        vectors::check_stage(4, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("jh512", 4, digest, digest64);
    }
}
