"""The Python blocks of bindings/README.md against the generated module: each compiles, every
name imported from dashlite exists, every dotted name that starts at dashlite or at a name
imported from it resolves, and every other method called or attribute read (`x.name`) is a
method, function or record field the module declares."""

import inspect
import pathlib
import re
import unittest

import dashlite

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
# Standard library and builtins the snippets use.
OUTSIDE = {"run"}


def blocks():
    text = README.read_text(encoding="utf-8")
    found = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    if not found:
        raise AssertionError(f"no ```python block in {README}")
    return found


def declared_members():
    """Every function and class member name of the module (nested classes such as the
    variants of Event included) and every record field (the keyword parameters of a
    class's __init__)."""
    names, seen = set(), set()

    def walk(cls):
        if cls in seen or getattr(cls, "__module__", None) != dashlite.__name__:
            return
        seen.add(cls)
        names.update(n for n in dir(cls) if not n.startswith("_"))
        init = cls.__dict__.get("__init__")
        if init is not None:
            names.update(p for p in inspect.signature(init).parameters if p != "self")
        for n in dir(cls):
            inner = getattr(cls, n, None)
            if inspect.isclass(inner):
                walk(inner)

    for _, obj in inspect.getmembers(dashlite):
        if inspect.isfunction(obj):
            names.add(obj.__name__)
        elif inspect.isclass(obj):
            walk(obj)
    return names


class ReadmeTests(unittest.TestCase):
    def test_python_blocks_use_what_the_module_declares(self):
        members = declared_members()
        for i, block in enumerate(blocks(), 1):
            compile(block, f"README python block {i}", "exec")
            imported = set()
            for names in re.findall(r"^from dashlite import (.+)$", block, re.M):
                for name in (n.strip() for n in names.split(",")):
                    self.assertTrue(hasattr(dashlite, name), f"block {i}: dashlite has no {name}")
                    imported.add(name)
            starts = imported | {"dashlite"}
            for chain in re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", block):
                head, *rest = chain.split(".")
                if head in starts:
                    obj = dashlite if head == "dashlite" else getattr(dashlite, head)
                    for part in rest:
                        self.assertTrue(hasattr(obj, part), f"block {i}: {chain} does not resolve at {part}")
                        obj = getattr(obj, part)
                elif head not in {"asyncio"}:
                    for part in rest:
                        if part not in OUTSIDE:
                            self.assertTrue(part in members, f"block {i}: {chain}: the module declares no {part}")

    def test_the_check_sees_a_misspelt_member(self):
        members = declared_members()
        self.assertIn("masternode_list", members)
        self.assertIn("valid_count", members)
        self.assertIn("quorum_hash", members)
        self.assertNotIn("masternode_lists", members)


if __name__ == "__main__":
    unittest.main()
