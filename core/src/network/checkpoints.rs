//! Checkpoints: Dash Core's hard-coded `CCheckpointData` (src/chainparams.cpp, v23.1.2), and
//! checkpoint records with header and chain work to start a chain from (the
//! `height,block_hash,chainwork,header` CSV of `shared/data/checkpoints`).

use crate::chain::uint::U256;
use crate::hash::BlockHash;
use crate::wire::BlockHeader;

/// A block hash (display hex) that must appear at a height.
pub type Checkpoint = (u32, &'static str);

/// mainnet checkpoints, ascending by height.
pub const MAINNET: &[Checkpoint] = &[
    (1500, "000000aaf0300f59f49bc3e970bad15c11f961fe2347accffff19d96ec9778e3"),
    (4991, "000000003b01809551952460744d5dbb8fcbd6cbae3c220267bf7fa43f837367"),
    (9918, "00000000213e229f332c0ffbe34defdaa9e74de87f2d8d1f01af8d121c3c170b"),
    (16912, "00000000075c0d10371d55a60634da70f197548dbbfa4123e12abfcbc5738af9"),
    (23912, "0000000000335eac6703f3b1732ec8b2f89c3ba3a7889e5767b090556bb9a276"),
    (35457, "0000000000b0ae211be59b048df14820475ad0dd53b9ff83b010f71a77342d9f"),
    (45479, "000000000063d411655d590590e16960f15ceea4257122ac430c6fbe39fbf02d"),
    (55895, "0000000000ae4c53a43639a4ca027282f69da9c67ba951768a20415b6439a2d7"),
    (68899, "0000000000194ab4d3d9eeb1f2f792f21bb39ff767cb547fe977640f969d77b7"),
    (74619, "000000000011d28f38f05d01650a502cc3f4d0e793fbc26e2a2ca71f07dc3842"),
    (75095, "0000000000193d12f6ad352a9996ee58ef8bdc4946818a5fec5ce99c11b87f0d"),
    (88805, "00000000001392f1652e9bf45cd8bc79dc60fe935277cd11538565b4a94fa85f"),
    (107996, "00000000000a23840ac16115407488267aa3da2b9bc843e301185b7d17e4dc40"),
    (137993, "00000000000cf69ce152b1bffdeddc59188d7a80879210d6e5c9503011929c3c"),
    (167996, "000000000009486020a80f7f2cc065342b0c2fb59af5e090cd813dba68ab0fed"),
    (207992, "00000000000d85c22be098f74576ef00b7aa00c05777e966aff68a270f1e01a5"),
    (312645, "0000000000059dcb71ad35a9e40526c44e7aae6c99169a9e7017b7d84b1c2daf"),
    (407452, "000000000003c6a87e73623b9d70af7cd908ae22fee466063e4ffc20be1d2dbc"),
    (523412, "000000000000e54f036576a10597e0e42cc22a5159ce572f999c33975e121d4d"),
    (523930, "0000000000000bccdb11c2b1cfb0ecab452abf267d89b7f46eaf2d54ce6e652c"),
    (750000, "00000000000000b4181bbbdddbae464ce11fede5d0292fb63fdede1e7c8ab21c"),
    (888900, "0000000000000026c29d576073ab51ebd1d3c938de02e9a44c7ee9e16f82db28"),
    (967800, "0000000000000024e26c7df7e46d673724d223cf4ca2b2adc21297cc095600f4"),
    (1067570, "000000000000001e09926bcf5fa4513d23e870a34f74e38200db99eb3f5b7a70"),
    (1167570, "000000000000000fb7b1e9b81700283dff0f7d87cf458e5edfdae00c669de661"),
    (1364585, "00000000000000022f355c52417fca9b73306958f7c0832b3a7bce006ca369ef"),
    (1450000, "00000000000000105cfae44a995332d8ec256850ea33a1f7b700474e3dad82bc"),
    (1796500, "000000000000001d531f36005159f19351bd49ca676398a561e55dcccb84eacd"),
    (1850400, "00000000000000261bdbe99c01fcba992e577efa6cc41aae564b8ca9f112b2a3"),
    (1889000, "00000000000000075300e852d5bf5380f905b2768241f8b442498442084807a7"),
    (1969000, "000000000000000c8b7a3bdcd8b9f516462122314529c8342244c685a4c899bf"),
    (2029000, "0000000000000020d5e38b6aef5bc8e430029444d7977b46f710c7d281ef1281"),
    (2109672, "000000000000001889bd33ef019065e250d32bd46911f4003d3fdd8128b5358d"),
    (2175051, "000000000000001cf26547602d982dcaa909231bbcd1e70c0eb3c65de25473ba"),
    (2216986, "0000000000000010b1135dc743f27f6fc8a138c6420a9d963fc676f96c2048f4"),
    (2361500, "0000000000000009ba1e8f47851d036bb618a4f6565eb3c32d1f647d450ff195"),
    (2421800, "000000000000000718ed026ebd644a8b70b42d4cbd7b25304c066c9bf15f85b7"),
];

/// testnet checkpoints, ascending by height.
pub const TESTNET: &[Checkpoint] = &[
    (255, "0000080b600e06f4c07880673f027210f9314575f5f875fafe51971e268b886a"),
    (261, "00000c26026d0815a7e2ce4fa270775f61403c040647ff2c3091f99e894a4618"),
    (1999, "00000052e538d27fa53693efe6fb6892a0c1d26c0235f599171c48a3cce553b1"),
    (2999, "0000024bc3f4f4cb30d29827c13d921ad77d2c6072e586c7f60d83c2722cdcc5"),
    (96090, "00000000033df4b94d17ab43e999caaf6c4735095cc77703685da81254d09bba"),
    (200000, "000000001015eb5ef86a8fe2b3074d947bc972c5befe32b28dd5ce915dc0d029"),
    (395750, "000008b78b6aef3fd05ab78db8b76c02163e885305545144420cb08704dce538"),
    (470000, "0000009303aeadf8cf3812f5c869691dbd4cb118ad20e9bf553be434bafe6a52"),
    (794950, "000001860e4c7248a9c5cc3bc7106041750560dc5cd9b3a2641b49494bcff5f2"),
    (808000, "00000104cb60a2b5e00a8a4259582756e5bf0dca201c0993c63f0e54971ea91a"),
    (840000, "000000cd7c3084499912ae893125c13e8c3c656abb6e511dcec6619c3d65a510"),
    (851000, "0000014d3b875540ff75517b7fbb1714e25d50ce92f65d7086cfce357928bb02"),
    (905100, "0000020c5e0f86f385cbf8e90210de9a9fd63633f01433bf47a6b3227a2851fd"),
    (960000, "0000000386cf5061ea16404c66deb83eb67892fa4f79b9e58e5eaab097ec2bd6"),
    (1069875, "00000034bfeb926662ba547c0b8dd4ba8cbb6e0c581f4e7d1bddce8f9ca3a608"),
    (1143608, "000000eef20eb0062abd4e799967e98bdebb165dd1c567ab4118c1c86c6e948f"),
    (1189000, "000001690314036dfbbecbdf382b230ead8e9c584241290a51f9f05a87a9cf7e"),
    (1295700, "00000107d42829a38e31c1a38c660d621e1ca376a880df1520e85e38af175d3a"),
    (1380000, "000000a98084beaf77ed26a905a7d59979009e23367a55b5d634962d7d65a1f9"),
];

/// A block a chain may start from: its header, hash, height and the total chain work up to and
/// including it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// Height of the block.
    pub height: u32,
    /// Hash of the block (X11 of `header`).
    pub hash: BlockHash,
    /// Total chain work up to and including this block.
    pub chain_work: U256,
    /// The block's header.
    pub header: BlockHeader,
}

/// A malformed line of a checkpoint CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checkpoint CSV line {line}: {reason}")]
pub struct CheckpointCsvError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses `height,block_hash,chainwork,header` lines (a header line naming those columns is
/// skipped; blank lines are ignored): the hash in display hex, the chain work as big-endian hex
/// of at most 32 bytes, the header as 160 hex digits. Heights must ascend.
pub fn parse_checkpoint_csv(text: &str) -> Result<Vec<CheckpointRecord>, CheckpointCsvError> {
    let mut out: Vec<CheckpointRecord> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason| CheckpointCsvError { line: i + 1, reason };
        if line.is_empty() || (i == 0 && line.starts_with("height")) {
            continue;
        }
        let mut fields = line.split(',');
        let mut next = || fields.next().map(str::trim).ok_or(err("fewer than 4 fields"));
        let (height, hash, work, header) = (next()?, next()?, next()?, next()?);
        if fields.next().is_some() {
            return Err(err("more than 4 fields"));
        }
        let height: u32 = height.parse().map_err(|_| err("height is not a number"))?;
        let hash: BlockHash = hash.parse().map_err(|_| err("block_hash is not 64 hex digits"))?;
        if work.is_empty() || work.len() > 64 {
            return Err(err("chainwork is not 1 to 64 hex digits"));
        }
        let mut work_bytes = [0u8; 32];
        hex::decode_to_slice(format!("{work:0>64}"), &mut work_bytes)
            .map_err(|_| err("chainwork is not hex"))?;
        let mut header_bytes = [0u8; 80];
        hex::decode_to_slice(header, &mut header_bytes)
            .map_err(|_| err("header is not 160 hex digits"))?;
        if out.last().is_some_and(|prev| prev.height >= height) {
            return Err(err("heights do not ascend"));
        }
        out.push(CheckpointRecord {
            height,
            hash,
            chain_work: U256::from_be_bytes(work_bytes),
            header: BlockHeader::from_array(&header_bytes),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_csv_lines_are_reported_with_their_line_number() {
        let good = "height,block_hash,chainwork,header\n\
            576,000001b9c048f99c88f4047ee144f937cbb3467eb598ed90afae03d35fc03814,000000000000000024402440,\
            02000000151fa9c002c35efca8758a18beaac3724612b3e50194032c9ba54ff52902000032846019d710d8a116f38400752ccada5b4097fb405193437a455568871de4274a50db52fcff031ee7400200\n";
        let recs = parse_checkpoint_csv(good).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].chain_work, U256::from_u64(0x2440_2440));
        assert_eq!(recs[0].header.bits, 0x1e03_fffc);
        let bad_header = good.replace("400200\n", "4002\n");
        assert_eq!(parse_checkpoint_csv(&bad_header).unwrap_err().line, 2);
        let twice = format!("{good}{}", good.lines().nth(1).unwrap());
        assert_eq!(
            parse_checkpoint_csv(&twice),
            Err(CheckpointCsvError { line: 3, reason: "heights do not ascend" })
        );
        assert_eq!(parse_checkpoint_csv("1,2,3").unwrap_err().reason, "fewer than 4 fields");
    }
}
