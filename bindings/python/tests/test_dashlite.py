"""The dashlite Python bindings against the built library.

Run by `cargo test -p dashlite-ffi` (ffi/tests/bindings.rs), which puts the generated
`dashlite.py` and `libdashlite_ffi.so` in one folder on PYTHONPATH; by hand:
`PYTHONPATH=<that folder> python3 -m unittest discover -s bindings/python/tests`.
The expected values are those core computes (ffi/src/tests.rs checks the same literals).
"""

import asyncio
import threading
import unittest

import dashlite
from dashlite import (
    Account,
    Address,
    AddressError,
    AddressKind,
    Bip32Error,
    ChainKind,
    ExtendedPubKey,
    HeaderError,
    LogLevel,
    Logger,
    Network,
    Transaction,
    TransactionError,
)

# Trust Wallet's published Dash account key m/44'/5'/0' and addresses derived from it.
TRUST_ACCOUNT_XPUB = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib"
TRUST_EXTERNAL_0 = "XsJg3pJaoyKEf5jMYTb5wGf3TKp9W3KX5a"
TRUST_INTERNAL_2 = "Xh4D3Mv6ikL5iR45bEsCtaR8Ub4jkRLpU2"
TRUST_INTERNAL_9 = "XvwNJsXVBpvAU92xPwU8phT6wKjJVaBMkk"

# vectors/bloom.json, case bloom_match: the spending transaction.
SPENDING_TX_HEX = "01000000016bff7fcd4f8565ef406dd5d63d4ff94f318fe82027fd4dc451b04474019f74b4000000008c493046022100da0dc6aecefe1e06efdf05773757deb168820930e3b0d03f46f5fcf150bf990c022100d25b5c87040076e4f253f8262e763e2dd51e7ff0be157727c4bc42807f17bd39014104e6c26ef67dc610d2cd192484789a6cf9aea9930b944b7e2db5342b9d9e5b9ff79aff9a2ee1978dd7fd01dfc522ee02283d3b06a9d03acf8096968d7dbb0f9178ffffffff028ba7940e000000001976a914badeecfdef0507247fc8f74241d73bc039972d7b88ac4094a802000000001976a914c10932483fec93ed51f5fe95e72559f2cc7043f988ac00000000"
SPENDING_TXID = "e2769b09e784f32f62ef849763d4f45b98e07ba658647343b915ff832b110436"
SPENDING_TX_OUTPUT_0_ADDRESS = "Xsiva5yR9fk8n7NZnVYoDqdFgWVr5NhJ9u"

# vectors/genesis.json: mainnet's genesis header and block hash.
GENESIS_HEADER_HEX = "010000000000000000000000000000000000000000000000000000000000000000000000c762a6567f3cc092f0684bb62b7e00a84890b990f07cc71a6bb58d64b98e02e0022ddb52f0ff0f1ec23fb901"
GENESIS_HASH = "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"


class AddressTests(unittest.TestCase):
    def test_parse_gives_kind_hash_script_and_text(self):
        addr = Address.parse("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network.MAINNET)
        self.assertEqual(str(addr), "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh")
        self.assertEqual(addr.network(), Network.MAINNET)
        self.assertEqual(addr.kind(), AddressKind.P2PKH)
        self.assertEqual(len(addr.hash()), 20)
        script = addr.script_pubkey()
        self.assertEqual(script[:3], bytes([0x76, 0xA9, 0x14]))
        self.assertEqual(Address.from_script_pubkey(script, Network.MAINNET), addr)

    def test_wrong_network_is_a_typed_error_with_fields(self):
        with self.assertRaises(AddressError.WrongNetwork) as cm:
            Address.parse("yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7i", Network.MAINNET)
        self.assertEqual(cm.exception.expected, Network.MAINNET)
        self.assertEqual(cm.exception.actual, Network.TESTNET)
        self.assertEqual(cm.exception.version, 140)

    def test_validation_says_why(self):
        dashlite.validate_address("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network.MAINNET)
        with self.assertRaises(AddressError.InvalidCharacter) as cm:
            dashlite.validate_address("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34w0", Network.MAINNET)
        self.assertEqual((cm.exception.character, cm.exception.index), ("0", 33))
        with self.assertRaises(AddressError.BadChecksum):
            dashlite.validate_address("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wi", Network.MAINNET)
        with self.assertRaises(AddressError.NonStandardScript):
            Address.from_script_pubkey(b"\x6a", Network.MAINNET)
        # Every variant is an AddressError.
        with self.assertRaises(AddressError):
            dashlite.validate_address("", Network.MAINNET)


class KeyTests(unittest.TestCase):
    def setUp(self):
        self.xpub = ExtendedPubKey.parse(TRUST_ACCOUNT_XPUB, Network.MAINNET)
        self.account = Account(self.xpub)

    def test_account_derives_the_published_addresses(self):
        self.assertEqual(str(self.account.address(ChainKind.EXTERNAL, 0)), TRUST_EXTERNAL_0)
        self.assertEqual(str(self.account.address(ChainKind.INTERNAL, 2)), TRUST_INTERNAL_2)
        self.assertEqual(str(self.account.address(ChainKind.INTERNAL, 9)), TRUST_INTERNAL_9)
        change = self.account.addresses(ChainKind.INTERNAL, 0, 10)
        self.assertEqual([str(a) for a in change][2], TRUST_INTERNAL_2)
        self.assertEqual(str(change[9]), TRUST_INTERNAL_9)

    def test_watched_window_is_the_gap_limit(self):
        keys = self.account.watched_keys(ChainKind.EXTERNAL)
        self.assertEqual(len(keys), 20)
        self.assertEqual(keys[0].index, 0)
        self.assertEqual(str(keys[0].address), TRUST_EXTERNAL_0)
        self.assertEqual(len(keys[0].public_key), 33)
        self.assertEqual(keys[0].address.hash(), keys[0].pubkey_hash)
        self.assertEqual(self.account.gap_limit(ChainKind.INTERNAL), 10)

    def test_xpub_fields_and_derivation(self):
        self.assertEqual(str(self.xpub), TRUST_ACCOUNT_XPUB)
        self.assertEqual(self.xpub.depth(), 3)
        self.assertEqual(self.xpub.child_number(), 0x80000000)
        external = self.xpub.derive_child(0)
        self.assertEqual(external.parent_fingerprint(), self.xpub.fingerprint())
        self.assertEqual(str(external.derive_child(0).address()), TRUST_EXTERNAL_0)
        self.assertEqual(self.account.xpub(), self.xpub)
        self.assertEqual(dashlite.bip44_account_path(Network.MAINNET, 0), "m/44'/5'/0'")

    def test_typed_errors(self):
        with self.assertRaises(Bip32Error.HardenedDerivation) as cm:
            self.xpub.derive_child(0x80000000)
        self.assertEqual(cm.exception.index, 0x80000000)
        with self.assertRaises(Bip32Error.WrongNetwork) as cm:
            ExtendedPubKey.parse(TRUST_ACCOUNT_XPUB, Network.TESTNET)
        self.assertEqual(cm.exception.expected, Network.TESTNET)
        self.assertEqual(cm.exception.version, bytes([0x04, 0x88, 0xB2, 0x1E]))
        with self.assertRaises(Bip32Error.NotAnAccountKey) as cm:
            Account(self.xpub.derive_child(0))
        self.assertEqual((cm.exception.depth, cm.exception.child_number), (4, 0))
        with self.assertRaises(Bip32Error.BadGapLimit):
            Account.with_gap_limits(self.xpub, 0, 10)
        with self.assertRaises(Bip32Error.TooManyAddresses):
            self.account.addresses(ChainKind.EXTERNAL, 0, 1001)
        with self.assertRaises(Bip32Error.BadChecksum):
            ExtendedPubKey.parse(TRUST_ACCOUNT_XPUB[:-1] + "c", Network.MAINNET)


class TransactionTests(unittest.TestCase):
    def test_decode_gives_the_txid_and_outputs(self):
        raw = bytes.fromhex(SPENDING_TX_HEX)
        tx = Transaction.decode(raw)
        self.assertEqual(str(tx.txid()), SPENDING_TXID)
        self.assertEqual(tx.txid(), dashlite.Txid.parse(SPENDING_TXID))
        self.assertEqual(tx.encode(), raw)
        self.assertEqual(tx.outputs()[0].value, 0x0E94A78B)
        self.assertEqual(str(tx.output_address(0, Network.MAINNET)), SPENDING_TX_OUTPUT_0_ADDRESS)
        self.assertFalse(tx.is_coinbase())
        self.assertEqual(tx.inputs()[0].previous_vout, 0)

    def test_malformed_bytes_are_a_typed_error(self):
        with self.assertRaises(TransactionError.Malformed) as cm:
            Transaction.decode(bytes.fromhex(SPENDING_TX_HEX)[:-1])
        self.assertTrue(cm.exception.reason)
        tx = Transaction.decode(bytes.fromhex(SPENDING_TX_HEX))
        with self.assertRaises(TransactionError.NoSuchOutput) as cm:
            tx.output_address(5, Network.MAINNET)
        self.assertEqual((cm.exception.index, cm.exception.count), (5, 2))


class HashTests(unittest.TestCase):
    def test_hashes_are_values_with_hex_text(self):
        a = dashlite.Txid.parse(SPENDING_TXID)
        b = dashlite.Txid.parse(SPENDING_TXID.upper())
        self.assertEqual(a, b)
        self.assertEqual(hash(a), hash(b))
        self.assertEqual(len({a, b}), 1)
        self.assertNotEqual(a, dashlite.Txid.parse(GENESIS_HASH))
        self.assertEqual(str(b), SPENDING_TXID)
        self.assertEqual(a.bytes(), bytes.fromhex(SPENDING_TXID)[::-1])

    def test_bad_text_is_a_typed_error(self):
        with self.assertRaises(dashlite.HashError.BadLength) as cm:
            dashlite.Txid.parse("00")
        self.assertEqual(cm.exception.length, 2)
        with self.assertRaises(dashlite.HashError.NotHex):
            dashlite.BlockHash.parse("zz" * 32)


class AsyncTests(unittest.TestCase):
    def test_block_hash_runs_under_asyncio(self):
        async def both():
            # Two hashes in flight at once on one event loop.
            return await asyncio.gather(
                dashlite.block_hash(bytes.fromhex(GENESIS_HEADER_HEX)),
                dashlite.block_hash(bytes.fromhex(GENESIS_HEADER_HEX)),
            )

        genesis = dashlite.BlockHash.parse(GENESIS_HASH)
        self.assertEqual(asyncio.run(both()), [genesis, genesis])

    def test_async_errors_are_typed(self):
        with self.assertRaises(HeaderError.BadLength) as cm:
            asyncio.run(dashlite.block_hash(b"\x00" * 79))
        self.assertEqual(cm.exception.length, 79)


class Collect(Logger):
    def __init__(self):
        self.records = []
        self.lock = threading.Lock()

    def log(self, record):
        with self.lock:
            self.records.append(record)


class LoggerTests(unittest.TestCase):
    def tearDown(self):
        dashlite.clear_logger()

    def test_logger_receives_records_at_its_level(self):
        logger = Collect()
        dashlite.set_logger(logger, LogLevel.DEBUG)
        with self.assertRaises(TransactionError):
            Transaction.decode(b"\xff")
        messages = [(r.level, r.target, r.message) for r in logger.records]
        self.assertIn(LogLevel.INFO, [m[0] for m in messages])
        debug = [m for m in messages if m[0] == LogLevel.DEBUG]
        self.assertEqual(len(debug), 1, messages)
        self.assertEqual(debug[0][1], "dashlite_ffi::tx")
        self.assertIn("rejected a 1-byte transaction", debug[0][2])
        self.assertTrue(logger.records[-1].file.endswith("tx.rs"))

    def test_level_filters_and_clear_stops_delivery(self):
        logger = Collect()
        dashlite.set_logger(logger, LogLevel.WARN)
        with self.assertRaises(TransactionError):
            Transaction.decode(b"\xff")
        self.assertEqual(logger.records, [])
        dashlite.set_logger(logger, LogLevel.TRACE)
        dashlite.clear_logger()
        n = len(logger.records)
        with self.assertRaises(TransactionError):
            Transaction.decode(b"\xff")
        self.assertEqual(len(logger.records), n)


class VersionTests(unittest.TestCase):
    def test_library_version(self):
        self.assertRegex(dashlite.library_version(), r"^\d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
