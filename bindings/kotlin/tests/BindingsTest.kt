// The dashlite Kotlin bindings on the JVM (JNA) against the built library: the scenario of
// bindings/python/tests, run by bindings/kotlin/run-tests.sh. A failed check throws, so the
// JVM exits non-zero. Expected values are the ones core computes (ffi/src/tests.rs).
package org.dashlite.tests

import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.dashlite.Account
import org.dashlite.Address
import org.dashlite.AddressException
import org.dashlite.AddressKind
import org.dashlite.Bip32Exception
import org.dashlite.BlockHash
import org.dashlite.ChainKind
import org.dashlite.ExtendedPubKey
import org.dashlite.HashException
import org.dashlite.HeaderException
import org.dashlite.LogLevel
import org.dashlite.LogRecord
import org.dashlite.Logger
import org.dashlite.Network
import org.dashlite.Transaction
import org.dashlite.TransactionException
import org.dashlite.Txid
import org.dashlite.bip44AccountPath
import org.dashlite.blockHash
import org.dashlite.clearLogger
import org.dashlite.libraryVersion
import org.dashlite.setLogger
import org.dashlite.validateAddress

const val TRUST_ACCOUNT_XPUB =
    "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib"
const val TRUST_EXTERNAL_0 = "XsJg3pJaoyKEf5jMYTb5wGf3TKp9W3KX5a"
const val TRUST_INTERNAL_2 = "Xh4D3Mv6ikL5iR45bEsCtaR8Ub4jkRLpU2"
const val TRUST_INTERNAL_9 = "XvwNJsXVBpvAU92xPwU8phT6wKjJVaBMkk"
const val SPENDING_TX_HEX =
    "01000000016bff7fcd4f8565ef406dd5d63d4ff94f318fe82027fd4dc451b04474019f74b4000000008c493046022100da0dc6aecefe1e06efdf05773757deb168820930e3b0d03f46f5fcf150bf990c022100d25b5c87040076e4f253f8262e763e2dd51e7ff0be157727c4bc42807f17bd39014104e6c26ef67dc610d2cd192484789a6cf9aea9930b944b7e2db5342b9d9e5b9ff79aff9a2ee1978dd7fd01dfc522ee02283d3b06a9d03acf8096968d7dbb0f9178ffffffff028ba7940e000000001976a914badeecfdef0507247fc8f74241d73bc039972d7b88ac4094a802000000001976a914c10932483fec93ed51f5fe95e72559f2cc7043f988ac00000000"
const val SPENDING_TXID = "e2769b09e784f32f62ef849763d4f45b98e07ba658647343b915ff832b110436"
const val SPENDING_TX_OUTPUT_0_ADDRESS = "Xsiva5yR9fk8n7NZnVYoDqdFgWVr5NhJ9u"
const val GENESIS_HEADER_HEX =
    "010000000000000000000000000000000000000000000000000000000000000000000000c762a6567f3cc092f0684bb62b7e00a84890b990f07cc71a6bb58d64b98e02e0022ddb52f0ff0f1ec23fb901"
const val GENESIS_HASH = "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"

fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

/** The testkit node ffi/tests/bindings.rs starts (DASHLITE_TEST_PEER), or null, with a note that
 * the scenario is skipped, when the suite runs by hand without one. */
fun testPeer(): String? {
    val peer = System.getenv("DASHLITE_TEST_PEER")
    if (peer == null) println("skipped: no testkit node (DASHLITE_TEST_PEER): run through cargo test")
    return peer
}

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

fun <T> assertEquals(expected: T, actual: T, what: String) =
    check(expected == actual) { "$what: expected $expected, got $actual" }

inline fun <reified E : Throwable> assertThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("$what: expected ${E::class.simpleName}, got $e", e)
    }
    throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
}

fun addresses() {
    val addr = Address.parse("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network.MAINNET)
    assertEquals("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", addr.toString(), "address text")
    assertEquals(AddressKind.P2PKH, addr.kind(), "address kind")
    assertEquals(20, addr.hash().size, "hash length")
    assertEquals(addr, Address.fromScriptPubkey(addr.scriptPubkey(), Network.MAINNET), "script round trip")

    val e = assertThrows<AddressException.WrongNetwork>("testnet address on mainnet") {
        Address.parse("yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7i", Network.MAINNET)
    }
    assertEquals(Network.MAINNET, e.expected, "expected network")
    assertEquals(Network.TESTNET, e.actual, "actual network")
    assertEquals(140.toUByte(), e.version, "version byte")

    validateAddress("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network.MAINNET)
    val bad = assertThrows<AddressException.InvalidCharacter>("base58 0") {
        validateAddress("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34w0", Network.MAINNET)
    }
    assertEquals("0", bad.character, "bad character")
    assertEquals(33UL, bad.index, "bad character index")
    assertThrows<AddressException.BadChecksum>("checksum") {
        validateAddress("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wi", Network.MAINNET)
    }
    assertThrows<AddressException>("empty") { validateAddress("", Network.MAINNET) }
}

fun keys() {
    val xpub = ExtendedPubKey.parse(TRUST_ACCOUNT_XPUB, Network.MAINNET)
    Account(xpub).use { account ->
        assertEquals(TRUST_EXTERNAL_0, account.address(ChainKind.EXTERNAL, 0u).toString(), "external 0")
        assertEquals(TRUST_INTERNAL_2, account.address(ChainKind.INTERNAL, 2u).toString(), "internal 2")
        val change = account.addresses(ChainKind.INTERNAL, 0u, 10u)
        assertEquals(TRUST_INTERNAL_9, change[9].toString(), "internal 9")
        val window = account.watchedKeys(ChainKind.EXTERNAL)
        assertEquals(20, window.size, "external window")
        assertEquals(TRUST_EXTERNAL_0, window[0].address.toString(), "window key 0")
        check(window[0].address.hash().contentEquals(window[0].pubkeyHash)) { "pubkey hash" }
        assertEquals(xpub, account.xpub(), "account xpub")
    }
    assertEquals(3.toUByte(), xpub.depth(), "depth")
    assertEquals("m/44'/5'/0'", bip44AccountPath(Network.MAINNET, 0u), "bip44 path")

    val hardened = assertThrows<Bip32Exception.HardenedDerivation>("hardened child") {
        xpub.deriveChild(0x80000000u)
    }
    assertEquals(0x80000000u, hardened.index, "hardened index")
    val wrong = assertThrows<Bip32Exception.WrongNetwork>("xpub on testnet") {
        ExtendedPubKey.parse(TRUST_ACCOUNT_XPUB, Network.TESTNET)
    }
    check(wrong.version.contentEquals(hex("0488b21e"))) { "xpub version bytes" }
    val notAccount = assertThrows<Bip32Exception.NotAnAccountKey>("chain key as account") {
        Account(xpub.deriveChild(0u))
    }
    assertEquals(4.toUByte(), notAccount.depth, "chain key depth")
    assertThrows<Bip32Exception.BadGapLimit>("gap 0") { Account.withGapLimits(xpub, 0u, 10u) }
}

fun transactions() {
    val tx = Transaction.decode(hex(SPENDING_TX_HEX))
    assertEquals(SPENDING_TXID, tx.txid().toString(), "txid")
    assertEquals(Txid.parse(SPENDING_TXID), tx.txid(), "txid as a value")
    assertEquals("b4749f017444b051c44dfd2720e88f314ff94f3dd6d56d40ef65854fcd7fff6b", tx.inputs()[0].previousTxid.toString(), "previous txid")
    check(tx.encode().contentEquals(hex(SPENDING_TX_HEX))) { "re-encoding" }
    assertEquals(0x0e94a78bL, tx.outputs()[0].value, "output 0 value")
    assertEquals(SPENDING_TX_OUTPUT_0_ADDRESS, tx.outputAddress(0u, Network.MAINNET).toString(), "output 0 address")
    val malformed = assertThrows<TransactionException.Malformed>("truncated") {
        Transaction.decode(hex(SPENDING_TX_HEX).copyOf(100))
    }
    check(malformed.reason.isNotEmpty()) { "malformed reason" }
    val noOutput = assertThrows<TransactionException.NoSuchOutput>("output 5") { tx.outputAddress(5u, Network.MAINNET) }
    assertEquals(2u, noOutput.count, "output count")
}

fun coroutines() = runBlocking {
    val header = hex(GENESIS_HEADER_HEX)
    val first = async { blockHash(header) }
    val second = async { blockHash(header) }
    assertEquals(BlockHash.parse(GENESIS_HASH), first.await(), "genesis hash")
    assertEquals(GENESIS_HASH, second.await().toString(), "genesis hash, concurrently")
    val e = assertThrows<HeaderException.BadLength>("79-byte header") {
        runBlocking { blockHash(ByteArray(79)) }
    }
    assertEquals(79UL, e.length, "header length")
}

fun hashes() {
    val a = Txid.parse(SPENDING_TXID)
    val b = Txid.parse(SPENDING_TXID.uppercase())
    assertEquals(a, b, "parsed twice, equal")
    assertEquals(a.hashCode(), b.hashCode(), "equal hash codes")
    assertEquals(1, setOf(a, b).size, "one set element")
    check(a != Txid.parse(GENESIS_HASH)) { "different txids differ" }
    assertEquals(SPENDING_TXID, b.toString(), "lower-case display hex")
    assertEquals(0x36.toByte(), a.bytes()[0], "wire order is the reverse of the text")
    val short = assertThrows<HashException.BadLength>("short") { Txid.parse("00") }
    assertEquals(2UL, short.length, "short length")
    val notHex = assertThrows<HashException.NotHex>("not hex") { BlockHash.parse("zz".repeat(32)) }
    assertEquals("zz".repeat(32), notHex.text, "not-hex text")
}

class Collect : Logger {
    val records = java.util.Collections.synchronizedList(mutableListOf<LogRecord>())

    override fun log(record: LogRecord) {
        records.add(record)
    }
}

fun logging() {
    val logger = Collect()
    setLogger(logger, LogLevel.DEBUG)
    assertThrows<TransactionException>("one byte") { Transaction.decode(byteArrayOf(-1)) }
    val debug = logger.records.filter { it.level == LogLevel.DEBUG }
    assertEquals(1, debug.size, "debug records")
    assertEquals("dashlite_ffi::tx", debug[0].target, "record target")
    check(debug[0].message.contains("rejected a 1-byte transaction")) { "record message ${debug[0].message}" }
    check(logger.records.any { it.level == LogLevel.INFO }) { "the install message" }

    val quiet = Collect()
    setLogger(quiet, LogLevel.WARN)
    assertThrows<TransactionException>("one byte") { Transaction.decode(byteArrayOf(-1)) }
    assertEquals(0, quiet.records.size, "records below Warn")
    clearLogger()
}

fun main() {
    val suites = listOf(
        "addresses" to ::addresses,
        "keys" to ::keys,
        "transactions" to ::transactions,
        "hashes" to ::hashes,
        "coroutines" to ::coroutines,
        "logging" to ::logging,
        "client errors" to ::clientErrors,
        "client sync" to ::clientSync,
        "masternode list" to ::masternodeList,
        "builder reuse" to ::builderReuse,
        "named peer" to ::namedPeer,
        "event flow" to ::eventFlow,
    )
    for ((name, suite) in suites) {
        suite()
        println("ok: $name")
    }
    println("kotlin: ${suites.size} suites passed (dashlite ${libraryVersion()})")
}
