"""Positions read from rapidyaml's own tree of a document, kept while the document is checked.

The fast path parses each document in place (:func:`ryml.parse_in_place`): every scalar of the
tree points into the parsed buffer, so a node's byte offset is its scalar's address less the
buffer's, and a path is walked node by node in C (``find_child``, ``child``) instead of proving
each block mapping's keys from its lines (:mod:`~gitops_gen.manifests.lazypositions`, which
answers whatever this leaves out).

Only what libyaml marks at the start of a plain scalar is answered here: a plain key; a plain
scalar value; a block mapping (its first key, where libyaml's block mapping starts), as a value,
an item, or the deepest node a missing field's path reaches.  A quoted scalar is marked at its
quote by libyaml, a block scalar at its ``|`` or ``>``, a flow collection at its bracket, a block
sequence at its first dash, a null at whatever follows: none of those is a scalar's first byte,
so they are left to the lines.  Columns count characters, as libyaml's do.
"""

from __future__ import annotations

import ctypes
from typing import Any

from gitops_gen.model import FieldPath

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


class RymlTree:
    """rapidyaml's tree of one document (its node ``node``), parsed in place in ``buffer``, whose
    bytes before parsing were the document's ``part`` (filtering rewrites scalars in place:
    lines are counted in ``part``)."""

    __slots__ = ("_base", "_parents", "buffer", "node", "part", "tree")

    def __init__(self, tree: Any, node: int, buffer: bytearray, part: bytes) -> None:
        self.tree = tree
        self.node = node
        self.buffer = buffer
        self.part = part
        self._base = -1
        self._parents: dict[FieldPath, tuple[int, Any]] = {}  # a walked path's node and value

    def offset(self, path: FieldPath, key: bool, data: Any) -> int | None:
        """The byte offset where libyaml marks ``path`` (its key, or its value when not ``key``
        or an item), or None when this tree does not say (see the module)."""
        if not path:  # (the root: where the document's content starts, known already)
            return None
        # rules ask about several fields of one container: the walk to it is remembered
        parent = self._parents.get(path[:-1]) if len(path) > 1 else (self.node, data)
        if parent is None:
            reached = self._walk(self.node, data, path[:-1])
            if not isinstance(reached, tuple):
                return reached
            parent = self._parents[path[:-1]] = reached
        walked = self._walk(*parent, path[-1:])
        if not isinstance(walked, tuple):
            return walked
        tree, (node, value) = self.tree, walked
        if key and type(path[-1]) is str:
            return self._scalar(tree.key(node)) if tree.is_key_plain(node) else None
        if type(value) is dict:
            return self._first_key(node) if value else None
        if type(value) is list or not tree.is_val_plain(node) or value is None:
            return None
        return self._scalar(tree.val(node))

    def _walk(self, node: int, value: Any, steps: FieldPath) -> tuple[int, Any] | int | None:
        """The node and value ``steps`` below ``node`` lead to; or, when they do not, the answer:
        where a missing field is placed, or None."""
        tree = self.tree
        for step in steps:
            if type(step) is str:
                if type(value) is not dict:
                    return None
                if step not in value:  # missing: at the start of the deepest node reached
                    return self._first_key(node)
                node = tree.find_child(node, step.encode("utf-8"))
            elif type(step) is int and type(value) is list and 0 <= step < len(value):
                node = tree.child(node, step)
            else:  # a negative or missing index, or not the fast path's values: the lines
                return None
            if node == _NONE:  # pragma: no cover - the values were read from this tree
                return None
            value = value[step]
        return node, value

    def _first_key(self, node: int) -> int | None:
        """Where a block mapping starts for libyaml: its first key, when plain."""
        tree = self.tree
        if not tree.is_map(node) or not tree.is_block(node) or not tree.has_children(node):
            return None
        first = tree.first_child(node)
        at = self._scalar(tree.key(first)) if tree.is_key_plain(first) else None
        if at is None:
            return None
        # only spaces after its line's start or its item's dash (``? key`` starts at the ``?``)
        before = self.part.rfind(b"\n", 0, at) + 1
        return at if not self.part[before:at].strip(b" -") else None

    def _scalar(self, view: Any) -> int | None:
        """The offset of a scalar rapidyaml points into the buffer (None elsewhere: an empty
        scalar, or one rapidyaml wrote into its arena)."""
        if not len(view):
            return None
        if self._base < 0:  # (a writable buffer: ctypes reads its address directly)
            self._base = ctypes.addressof(ctypes.c_char.from_buffer(self.buffer))
        at = _address(view) - self._base
        return at if 0 <= at < len(self.buffer) else None
