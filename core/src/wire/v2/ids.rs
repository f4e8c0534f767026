//! Dash Core's BIP324 message ids (`src/protocol.cpp`, `V2_MESSAGE_IDS`): one byte for the
//! common messages instead of the 12-byte command. Ids 1..=28 are BIP324's list as Dash Core
//! keeps it (5, `feefilter`, and 29..=32 are unassigned in Dash); 128..=168 are Dash's own.

/// Dash Core's short ids, by id.
pub const SHORT_IDS: &[(u8, &str)] = &[
    (1, "addr"),
    (2, "block"),
    (3, "blocktxn"),
    (4, "cmpctblock"),
    (6, "filteradd"),
    (7, "filterclear"),
    (8, "filterload"),
    (9, "getblocks"),
    (10, "getblocktxn"),
    (11, "getdata"),
    (12, "getheaders"),
    (13, "headers"),
    (14, "inv"),
    (15, "mempool"),
    (16, "merkleblock"),
    (17, "notfound"),
    (18, "ping"),
    (19, "pong"),
    (20, "sendcmpct"),
    (21, "tx"),
    (22, "getcfilters"),
    (23, "cfilter"),
    (24, "getcfheaders"),
    (25, "cfheaders"),
    (26, "getcfcheckpt"),
    (27, "cfcheckpt"),
    (28, "addrv2"),
    (128, "spork"),
    (129, "getsporks"),
    (130, "senddsq"),
    (131, "dsa"),
    (132, "dsi"),
    (133, "dsf"),
    (134, "dss"),
    (135, "dsc"),
    (136, "dssu"),
    (137, "dstx"),
    (138, "dsq"),
    (139, "ssc"),
    (140, "govsync"),
    (141, "govobj"),
    (142, "govobjvote"),
    (143, "getmnlistd"),
    (144, "mnlistdiff"),
    (145, "qsendrecsigs"),
    (146, "qfcommit"),
    (147, "qcontrib"),
    (148, "qcomplaint"),
    (149, "qjustify"),
    (150, "qpcommit"),
    (151, "qwatch"),
    (152, "qsigsesann"),
    (153, "qsigsinv"),
    (154, "qgetsigs"),
    (155, "qbsigs"),
    (156, "qsigrec"),
    (157, "qsigshare"),
    (158, "qgetdata"),
    (159, "qdata"),
    (160, "clsig"),
    (161, "isdlock"),
    (162, "mnauth"),
    (163, "getheaders2"),
    (164, "sendheaders2"),
    (165, "headers2"),
    (166, "getqrinfo"),
    (167, "qrinfo"),
    (168, "platformban"),
];

/// The first Dash-specific id. Dash Core gives these meaning from protocol 70235 on (168 from
/// 70240); before the `version` message is exchanged the peer's version is unknown, so they
/// are only ever received, and sent in the long form.
pub const FIRST_DASH_ID: u8 = 128;

/// The command of short id `id`, if Dash Core assigns it.
pub fn command_of(id: u8) -> Option<&'static str> {
    SHORT_IDS.binary_search_by_key(&id, |&(i, _)| i).ok().map(|i| SHORT_IDS[i].1)
}

/// The short id to send `command` with: BIP324's ids only (see [`FIRST_DASH_ID`]).
pub fn send_id_of(command: &str) -> Option<u8> {
    SHORT_IDS.iter().find(|&&(i, c)| i < FIRST_DASH_ID && c == command).map(|&(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::vectors;

    #[test]
    fn the_table_is_dash_cores_and_sorted() {
        let v = vectors("network.json");
        let ids = v["v2_transport_short_ids"]["ids"].as_object().expect("ids in network.json");
        assert_eq!(ids.len(), SHORT_IDS.len());
        for (command, id) in ids {
            let id = id.as_u64().unwrap() as u8;
            assert_eq!(command_of(id), Some(command.as_str()), "id {id}");
        }
        assert!(SHORT_IDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(command_of(5), None);
        assert_eq!(command_of(0), None);
        assert_eq!(command_of(169), None);
    }

    #[test]
    fn dash_ids_are_received_but_sent_long() {
        assert_eq!(send_id_of("ping"), Some(18));
        assert_eq!(send_id_of("addrv2"), Some(28));
        assert_eq!(send_id_of("headers2"), None);
        assert_eq!(command_of(165), Some("headers2"));
        assert_eq!(send_id_of("version"), None);
    }
}
