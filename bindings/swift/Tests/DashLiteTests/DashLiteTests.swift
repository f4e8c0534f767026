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
        XCTAssertEqual(tx.txid(), spendingTxid)
        XCTAssertEqual(tx.outputs().count, 2)
        XCTAssertThrowsError(try Transaction.decode(bytes: Data([0xff])))
    }

    func testBlockHashUnderSwiftConcurrency() async throws {
        async let first = blockHash(header: hex(genesisHeaderHex))
        async let second = blockHash(header: hex(genesisHeaderHex))
        let hashes = try await [first, second]
        XCTAssertEqual(hashes, [genesisHash, genesisHash])
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
}
