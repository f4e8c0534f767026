// The DashLite Swift bindings against DashLiteFFI.xcframework (macOS: run
// bindings/ios/build.sh, then `swift test` in bindings/swift). The scenario of
// bindings/python/tests and bindings/kotlin/tests; expected values are core's
// (ffi/src/tests.rs checks the same literals).
import DashLite
import Foundation
import XCTest

let trustAccountXpub = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib"
let trustExternal0 = "XsJg3pJaoyKEf5jMYTb5wGf3TKp9W3KX5a"
let trustInternal2 = "Xh4D3Mv6ikL5iR45bEsCtaR8Ub4jkRLpU2"
let spendingTxHex = "01000000016bff7fcd4f8565ef406dd5d63d4ff94f318fe82027fd4dc451b04474019f74b4000000008c493046022100da0dc6aecefe1e06efdf05773757deb168820930e3b0d03f46f5fcf150bf990c022100d25b5c87040076e4f253f8262e763e2dd51e7ff0be157727c4bc42807f17bd39014104e6c26ef67dc610d2cd192484789a6cf9aea9930b944b7e2db5342b9d9e5b9ff79aff9a2ee1978dd7fd01dfc522ee02283d3b06a9d03acf8096968d7dbb0f9178ffffffff028ba7940e000000001976a914badeecfdef0507247fc8f74241d73bc039972d7b88ac4094a802000000001976a914c10932483fec93ed51f5fe95e72559f2cc7043f988ac00000000"
let spendingTxid = "e2769b09e784f32f62ef849763d4f45b98e07ba658647343b915ff832b110436"
let genesisHeaderHex = "010000000000000000000000000000000000000000000000000000000000000000000000c762a6567f3cc092f0684bb62b7e00a84890b990f07cc71a6bb58d64b98e02e0022ddb52f0ff0f1ec23fb901"
let genesisHash = "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"

func hex(_ s: String) -> Data {
    var data = Data()
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        data.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return data
}

final class Collect: Logger, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogRecord] = []
    var records: [LogRecord] { lock.lock(); defer { lock.unlock() }; return stored }
    func log(record: LogRecord) { lock.lock(); stored.append(record); lock.unlock() }
}

final class Heard: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Event] = []
    var events: [Event] { lock.lock(); defer { lock.unlock() }; return stored }
    func onEvent(event: Event) { lock.lock(); stored.append(event); lock.unlock() }
}

final class DashLiteTests: XCTestCase {
    func testAddressErrorsAreTyped() throws {
        let addr = try Address.parse(address: "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", network: .mainnet)
        XCTAssertEqual(addr.description, "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh")
        XCTAssertEqual(addr.kind(), .p2pkh)
        XCTAssertThrowsError(try Address.parse(address: "yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7i", network: .mainnet)) { error in
            guard case AddressError.WrongNetwork(let expected, let actual, let version) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(expected, .mainnet)
            XCTAssertEqual(actual, .testnet)
            XCTAssertEqual(version, 140)
        }
    }

    func testAccountDerivesCoreAddresses() throws {
        let xpub = try ExtendedPubKey.parse(xpub: trustAccountXpub, network: .mainnet)
        let account = try Account(xpub: xpub)
        XCTAssertEqual(try account.address(chain: .external, index: 0).description, trustExternal0)
        XCTAssertEqual(try account.address(chain: .internal, index: 2).description, trustInternal2)
        XCTAssertEqual(account.watchedKeys(chain: .external).count, 20)
        XCTAssertThrowsError(try xpub.deriveChild(index: 0x8000_0000)) { error in
            guard case Bip32Error.HardenedDerivation(let index) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(index, 0x8000_0000)
        }
    }

    func testTransactionDecodes() throws {
        let tx = try Transaction.decode(bytes: hex(spendingTxHex))
        XCTAssertEqual(tx.txid().description, spendingTxid)
        XCTAssertEqual(tx.txid(), try Txid.parse(hex: spendingTxid))
        XCTAssertEqual(tx.outputs().count, 2)
        XCTAssertThrowsError(try Transaction.decode(bytes: Data([0xff])))
    }

    func testBlockHashUnderSwiftConcurrency() async throws {
        async let first = blockHash(header: hex(genesisHeaderHex))
        async let second = blockHash(header: hex(genesisHeaderHex))
        let hashes = try await [first, second]
        let genesis = try BlockHash.parse(hex: genesisHash)
        XCTAssertEqual(hashes, [genesis, genesis])
    }

    func testHashesAreValuesWithHexText() throws {
        let a = try Txid.parse(hex: spendingTxid)
        let b = try Txid.parse(hex: spendingTxid.uppercased())
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set([a, b]).count, 1)
        XCTAssertEqual(b.description, spendingTxid)
        XCTAssertEqual(a.bytes(), Data(hex(spendingTxid).reversed()))
        XCTAssertThrowsError(try Txid.parse(hex: "00")) { error in
            guard case HashError.BadLength(let length) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(length, 2)
        }
    }

    func testLoggerReceivesRecords() throws {
        let logger = Collect()
        try setLogger(logger: logger, level: .debug)
        defer { clearLogger() }
        _ = try? Transaction.decode(bytes: Data([0xff]))
        let debug = logger.records.filter { $0.level == .debug }
        XCTAssertEqual(debug.count, 1)
        XCTAssertEqual(debug.first?.target, "dashlite_ffi::tx")
    }

    func testClientBuilderErrorsAreTyped() async throws {
        XCTAssertThrowsError(try ClientBuilder(network: .regtest).watch(item: "not an address").build()) { error in
            guard case ClientError.WatchItem(let item, let network) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(item, "not an address")
            XCTAssertEqual(network, .regtest)
        }
        XCTAssertThrowsError(try ClientBuilder(network: .regtest).maxPeers(count: 0).build()) { error in
            guard case ClientError.InvalidSetting(let setting, _) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(setting, "max_peers")
        }
        XCTAssertThrowsError(try ClientBuilder(network: .mainnet).birthday(birthday: .height(height: 1000)).build()) { error in
            guard case ClientError.BirthdayTooEarly(let birthday, _, let network) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(birthday, 1000)
            XCTAssertEqual(network, .mainnet)
        }
        let client = try ClientBuilder(network: .regtest).build()
        do {
            try await client.stop()
            XCTFail("stop before start")
        } catch ClientError.NotRunning {}
        let balance = try await client.balance()
        XCTAssertEqual(balance.total, 0)
    }

    /// The testkit scenario: needs a node, so it runs when `DASHLITE_TEST_*` are set (as
    /// ffi/tests/bindings.rs sets them for Python and Kotlin).
    func testClientSyncsWithBothEventApis() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let peer = env["DASHLITE_TEST_PEER"], let xpub = env["DASHLITE_TEST_XPUB"],
              let tip = env["DASHLITE_TEST_TIP"].flatMap(UInt32.init),
              let expected = env["DASHLITE_TEST_BALANCE"].flatMap(Int64.init),
              let txids = env["DASHLITE_TEST_TXIDS"]?.split(separator: ",").map(String.init)
        else {
            throw XCTSkip("no testkit node (DASHLITE_TEST_PEER)")
        }
        let client = try ClientBuilder(network: .regtest).peer(address: peer).watch(item: xpub).maxPeers(count: 1).build()
        let heard = Heard()
        let subscription = client.subscribe(listener: heard)
        try await client.start()
        // The listener hears the sync; the pull API then gets the Stopped of stop().
        for _ in 0..<6000 where !client.syncStatus().synced {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertEqual(client.syncStatus().blockHeight, tip)
        let balance = try await client.balance()
        XCTAssertEqual(balance.total, expected)
        let txs = try await client.transactions()
        XCTAssertEqual(txs.map(\.txid.description).sorted(), txids.sorted())
        for tx in txs {
            guard case .confirmed(let height, _, _) = tx.status else { return XCTFail("\(tx.status)") }
            XCTAssertEqual(tx.confirmations, tip - height + 1)
        }
        let puller = Task { await client.nextEvent() }
        try await Task.sleep(nanoseconds: 200_000_000)  // the puller's stream exists by now
        try await client.stop()
        let pulled = await puller.value
        guard case .stopped(let error) = pulled else { return XCTFail("pulled \(String(describing: pulled))") }
        XCTAssertNil(error)
        for _ in 0..<1000 where !heard.events.contains(where: { if case .stopped = $0 { return true }; return false }) {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertTrue(heard.events.contains { if case .synced(let h) = $0 { return h == tip }; return false })
        subscription.cancel()
        XCTAssertFalse(subscription.isOpen())
    }

    /// The verified masternode list and its quorums against the list the fixture's tip commits
    /// to (`DASHLITE_TEST_MN_ENTRIES`: one `proRegTxHash|service|operator key|voting key
    /// id|regular or evo|valid` per masternode; `DASHLITE_TEST_QUORUMS`: one `type name|quorum
    /// hash|index|public key` per quorum, in list order).
    func testMasternodeListAndQuorumsAreTheFixtures() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let peer = env["DASHLITE_TEST_PEER"], let xpub = env["DASHLITE_TEST_XPUB"],
              let tip = env["DASHLITE_TEST_TIP"].flatMap(UInt32.init),
              let dip3 = env["DASHLITE_TEST_DIP3_HEIGHT"].flatMap(UInt32.init),
              let block = env["DASHLITE_TEST_MN_BLOCK"],
              let valid = env["DASHLITE_TEST_MN_VALID"].flatMap(UInt32.init),
              let entries = env["DASHLITE_TEST_MN_ENTRIES"]?.split(separator: ",").map(String.init),
              let quorumEntries = env["DASHLITE_TEST_QUORUMS"]?.split(separator: ",").map(String.init)
        else {
            throw XCTSkip("no testkit node (DASHLITE_TEST_PEER)")
        }
        let client = try ClientBuilder(network: .regtest).peer(address: peer).watch(item: xpub)
            .maxPeers(count: 1).regtestDip3Height(height: dip3).build()
        let before = try await client.masternodeList()
        XCTAssertNil(before)
        let none = try await client.quorums()
        XCTAssertTrue(none.isEmpty)
        let updated = Task { () -> Event? in
            while let event = await client.nextEvent() {
                if case .masternodeListUpdated(let height, _, _, _, _) = event, height == tip { return event }
            }
            return nil
        }
        try await Task.sleep(nanoseconds: 200_000_000)  // the reader's stream exists by now
        try await client.start()
        guard case .masternodeListUpdated(_, let blockHash, let masternodes, let validCount, let quorumCount) = await updated.value
        else { return XCTFail("the events ended before the list reached the tip") }
        XCTAssertEqual(blockHash.description, block)
        XCTAssertEqual(masternodes, UInt32(entries.count))
        XCTAssertEqual(validCount, valid)
        XCTAssertEqual(quorumCount, UInt32(quorumEntries.count))

        guard let list = try await client.masternodeList() else { return XCTFail("no list") }
        XCTAssertEqual(list.height, tip)
        XCTAssertEqual(list.blockHash, try BlockHash.parse(hex: block))
        XCTAssertEqual(list.entryCount, UInt32(entries.count))
        XCTAssertEqual(list.validCount, valid)
        XCTAssertLessThan(list.validCount, list.entryCount)
        let got = list.entries.map { m -> String in
            let kind: String
            switch m.kind {
            case .regular: kind = "regular"
            case .evo: kind = "evo"
            }
            return [m.proRegTxHash.description, m.service ?? "", m.operatorPublicKey, m.votingKeyId, kind, String(m.valid)]
                .joined(separator: "|")
        }
        XCTAssertEqual(got, entries)
        XCTAssertTrue(list.entries.contains { $0.kind == .evo })

        let quorums = try await client.quorums()
        XCTAssertEqual(quorums.map { "\($0.typeName)|\($0.quorumHash.description)|\($0.quorumIndex)|\($0.publicKey)" }, quorumEntries)
        for q in quorums {
            XCTAssertTrue(q.verified, "\(q.quorumHash) does not verify")
            XCTAssertEqual(q.typeName, "llmq_test")
            XCTAssertEqual(q.llmqType, 100)
        }
        try await client.stop()
        let after = try await client.masternodeList()
        XCTAssertEqual(after?.blockHash, list.blockHash)
    }
}
