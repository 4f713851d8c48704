"""Positions read from rapidyaml's own tree of a document, kept while the document is checked.

The fast path parses each document in place (:func:`ryml.parse_in_place`): every scalar of the
tree points into the parsed buffer, so a node's byte offset is its scalar's address less the
buffer's, and a path is walked node by node instead of proving each block mapping's keys from
its lines (:mod:`~gitops_gen.manifests.lazypositions`, which answers whatever this leaves out).

Only what libyaml marks at the start of a plain scalar is answered here: a plain key; a plain
scalar value; a block mapping (its first key, where libyaml's block mapping starts), as a value,
an item, or the deepest node a missing field's path reaches.  A quoted scalar is marked at its
quote by libyaml, a block scalar at its ``|`` or ``>``, a flow collection at its bracket, a block
sequence at its first dash, a null at whatever follows: none of those is a scalar's first byte,
so they are left to the lines.  Columns count characters, as libyaml's do.

Each call into rapidyaml through its Python binding costs about a microsecond, more than the
work it does.  So rapidyaml's node array is read in place, a few machine words per node, where
its layout is the one this module expects (checked once per process against the binding's own
answers, on a document holding every kind of node: :func:`_layout_holds`).  Where it is not,
the tree answers nothing, and the lines or libyaml answer everything: a slower run, not a
wrong one.
"""

from __future__ import annotations

import ctypes
from typing import Any

from gitops_gen.model import FieldPath

try:
    import ryml
except ImportError:  # pragma: no cover - without rapidyaml no tree is ever made
    ryml = None

__all__ = ["RymlTree"]

#: rapidyaml's "no node" (``NONE``: the largest size_t).
_NONE = (1 << 64) - 1


class _PyBuffer(ctypes.Structure):
    """CPython's ``Py_buffer`` (in the stable ABI since 3.11): where an object's bytes are."""

    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


try:
    _get_buffer = ctypes.pythonapi.PyObject_GetBuffer
    _get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
    _get_buffer.restype = ctypes.c_int
    _release_buffer = ctypes.pythonapi.PyBuffer_Release
    _release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
    _release_buffer.restype = None
    AVAILABLE = True
except (AttributeError, OSError):  # pragma: no cover - not CPython: the lines answer everything
    AVAILABLE = False


#: rapidyaml's ``NodeData``, in 64-bit words: its type bits; its key's and value's scalars
#: (tag, text, anchor: an address and a length each); its parent, first and last child, next
#: and previous sibling.
_STRIDE, _TYPE, _KEY, _VAL, _FIRST, _NEXT = 18, 0, 3, 9, 14, 16  # (a scalar's length follows its address)
#: The node array seen as words (never copied: indexed only at the nodes the tree links).
_Words = ctypes.c_uint64 * (1 << 40)
#: Mappings and sequences up to this size are walked in place (the key's rank among the
#: values' keys, then that many siblings); larger ones through ``find_child``.
_SHORT = 24
#: What the type bits say, where the layout holds (rapidyaml's constants).
_MAP, _BLOCK, _KEY_PLAIN, _VAL_PLAIN = (ryml.MAP, ryml.BLOCK, ryml.KEY_PLAIN, ryml.VAL_PLAIN) \
    if ryml is not None else (0, 0, 0, 0)
#: A node's key and value: (has it, is it plain, is it an alias, where its scalar is).
_SIDES = ((ryml.KEY, ryml.KEY_PLAIN, ryml.KEYREF, _KEY), (ryml.VAL, ryml.VAL_PLAIN, ryml.VALREF, _VAL)) \
    if ryml is not None else ()
#: A document holding every kind of node the positions meet (see :func:`_layout_holds`).
_PROBE = (b"a: 1\nb: {c: 'd', \"e\": [1, two, \"3\"]}\nf:\n  - g: |\n      text\n    h: >-\n      more\n"
          b"  - [x, {y: z}]\n  - \n  - ~\n'i': null\n? j\n: k\nl: &m n\no: *m\n\"p q\": 'r s'\n")


#: The start of rapidyaml's ``Tree``: where its nodes are, how many it has room for, how many
#: it holds.
_Header = ctypes.c_uint64 * 3


def _words(tree: Any, checked: bool = False) -> Any | None:
    """The node array of ``tree`` as words, or None when its binding does not say where it is
    (``checked``: its header is compared with the binding's answers, as :func:`_layout_holds`
    does once; then every tree is laid out alike)."""
    this = getattr(tree, "this", None)
    if this is None:
        return None
    nodes, room, size = _Header.from_address(int(this))
    if not nodes or (checked and (size, room) != (tree.size(), tree.capacity())):
        return None
    return _Words.from_address(nodes)


def _layout_holds() -> bool:
    """Whether rapidyaml's nodes are laid out as :data:`_STRIDE` and the offsets beside it say,
    and its type bits answer as the binding's methods: every field read, for every node of
    :data:`_PROBE`, against the binding's own answer."""
    try:
        buffer = bytearray(_PROBE)
        tree = ryml.parse_in_place(buffer)
        words = _words(tree, checked=True)
        if words is None:
            return False
        for node in range(tree.size()):
            at = node * _STRIDE
            flags = words[at + _TYPE]
            if (flags, words[at + _FIRST], words[at + _NEXT]) != \
                    (tree.type(node), tree.first_child(node), tree.next_sibling(node)):
                return False
            if (bool(flags & _MAP), bool(flags & _BLOCK), bool(flags & _KEY_PLAIN), bool(flags & _VAL_PLAIN),
                    words[at + _FIRST] != _NONE) != (tree.is_map(node), tree.is_block(node), tree.is_key_plain(node),
                                                     tree.is_val_plain(node), tree.has_children(node)):
                return False
            for has, text, start in ((tree.has_key, tree.key, _KEY), (tree.has_val, tree.val, _VAL)):
                if has(node):
                    view = text(node)  # (None for a null without text)
                    size = 0 if view is None else len(view)
                    if words[at + start + 1] != size or (size and words[at + start] != _address(view)):
                        return False
        return True
    except Exception:  # pragma: no cover - another binding: the lines answer
        return False


def _address(view: Any) -> int:
    """The address of the first byte of an object exporting a buffer (a read-only memoryview
    rapidyaml returned)."""
    buffer = _PyBuffer()
    if _get_buffer(view, ctypes.byref(buffer), 0) != 0:  # pragma: no cover - both export buffers
        raise ValueError("no buffer")
    try:
        return buffer.buf or 0
    finally:
        _release_buffer(ctypes.byref(buffer))


_RAW: list[bool] = []  # whether the layout holds, once known


class RymlTree:
    """rapidyaml's tree of one document (its node ``node``), parsed in place in ``buffer``, whose
    bytes before parsing were the document's ``part`` (filtering rewrites scalars in place:
    lines are counted in ``part``).  It answers only where the node array's layout holds (else
    every answer is None: the lines, or libyaml, answer)."""

    __slots__ = ("_base", "_parents", "_words", "buffer", "node", "part", "tree")

    def __init__(self, tree: Any, node: int, buffer: bytearray, part: bytes) -> None:
        self.tree = tree
        self.node = node
        self.buffer = buffer
        self.part = part
        self._base = -1  # the buffer's address, once asked (-2: the layout does not hold)
        self._words: Any = None  # the node array in place, once asked
        self._parents: dict[FieldPath, tuple[int, Any]] = {}  # a walked path's node and value

    def offset(self, path: FieldPath, key: bool, data: Any) -> int | None:
        """The byte offset where libyaml marks ``path`` (its key, or its value when not ``key``
        or an item), or None when this tree does not say (see the module)."""
        if not path:  # (the root: where the document's content starts, known already)
            return None
        words = self._words
        if words is None:  # (the first question of this tree, or a layout that does not hold)
            words = self._array()
            if words is None:
                return None
        # rules ask about several fields of one container: the walk to it is remembered
        last = len(path) - 1
        if last:
            head = path[:-1]
            parent = self._parents.get(head)
            if parent is None:
                reached = self._walk(self.node, data, head)
                if not isinstance(reached, tuple):
                    return reached
                parent = self._parents[head] = reached
            node, value = parent
        else:
            node, value = self.node, data
        walked = self._walk(node, value, path[last:])
        if not isinstance(walked, tuple):
            return walked
        node, value = walked
        at = node * _STRIDE
        flags = words[at + _TYPE]
        if key and type(path[last]) is str:
            return self._at(words[at + _KEY], words[at + _KEY + 1]) if flags & _KEY_PLAIN else None
        if type(value) is dict:
            return self._first_key(node) if value else None
        if type(value) is list or not flags & _VAL_PLAIN or value is None:
            return None
        return self._at(words[at + _VAL], words[at + _VAL + 1])

    def _array(self) -> Any | None:
        """The node array, read in place (and the buffer's address), where its layout is known
        to hold; else None."""
        if self._words is None and self._base != -2:
            if not _RAW:
                _RAW.append(_layout_holds())
            self._words = _words(self.tree) if _RAW[0] else None
            self._base = -2 if self._words is None else ctypes.addressof(ctypes.c_char.from_buffer(self.buffer))
        return self._words

    def has_plain(self, texts: set[bytes], starts: tuple[bytes, ...]) -> bool | None:
        """Whether a plain (unquoted, not block) key or value of the whole tree is one of
        ``texts`` or starts with one of ``starts``, or (with ``*`` among ``starts``) whether the
        tree has an alias; None when the node array cannot be read."""
        words = self._array()
        if words is None:
            return None
        alias = b"*" in starts
        buffer, base = self.buffer, self._base
        for at in range(0, self.tree.size() * _STRIDE, _STRIDE):
            flags = words[at + _TYPE]
            for has, plain, ref, side in _SIDES:
                if not flags & has:
                    continue
                if flags & plain:
                    offset, length = words[at + side] - base, words[at + side + 1]
                    if not length:
                        text = b""
                    elif 0 <= offset <= len(buffer) - length:
                        text = bytes(buffer[offset:offset + length])
                    else:  # written into rapidyaml's arena (a filtered scalar): through the binding
                        text = bytes((self.tree.key if side == _KEY else self.tree.val)(at // _STRIDE))
                    if text in texts or (starts and text.startswith(starts)):
                        return True
                elif alias and flags & ref:
                    return True
        return False

    def _walk(self, node: int, value: Any, steps: FieldPath) -> tuple[int, Any] | int | None:
        """The node and value ``steps`` below ``node`` lead to; or, when they do not, the answer:
        where a missing field is placed, or None."""
        words = self._words
        for step in steps:
            if type(step) is str:
                if type(value) is not dict:
                    return None
                if step not in value:  # missing: at the start of the deepest node reached
                    return self._first_key(node)
            elif not (type(step) is int and type(value) is list and 0 <= step < len(value)):
                return None  # a negative or missing index, or not the fast path's values: the lines
            if len(value) > _SHORT:  # a long mapping or sequence: found by rapidyaml
                node = int(self.tree.find_child(node, step.encode("utf-8")) if type(step) is str
                           else self.tree.child(node, step))
                if node == _NONE:  # pragma: no cover - the values were read from this tree
                    return None
            else:  # the values keep the document's order: a key's rank among them is its child's
                node = words[node * _STRIDE + _FIRST]
                for name in value if isinstance(step, str) else range(step):
                    if name == step:
                        break
                    node = words[node * _STRIDE + _NEXT]
            value = value[step]
        return node, value

    def _first_key(self, node: int) -> int | None:
        """Where a block mapping starts for libyaml: its first key, when plain."""
        words = self._words
        flags = words[node * _STRIDE + _TYPE]
        if not flags & _MAP or not flags & _BLOCK:
            return None
        first = words[node * _STRIDE + _FIRST]
        if first == _NONE or not words[first * _STRIDE + _TYPE] & _KEY_PLAIN:
            return None
        at = self._at(words[first * _STRIDE + _KEY], words[first * _STRIDE + _KEY + 1])
        if at is None:
            return None
        # only spaces after its line's start or its item's dash (``? key`` starts at the ``?``)
        before = self.part.rfind(b"\n", 0, at) + 1
        return at if not self.part[before:at].strip(b" -") else None

    def _at(self, address: int, length: int) -> int | None:
        """The offset of a scalar at ``address`` (None for an empty one, or one rapidyaml wrote
        into its arena rather than pointing into the buffer)."""
        at = address - self._base
        return at if length and 0 <= at < len(self.buffer) else None
