"""Measure how deeply a pickle nests its objects, by reading its opcodes, before unpickling it.

Why: unpickling is a loop, but what it builds need not be harmless. A 200 KB pickle can nest
200,000 tuples inside each other; hashing such a tuple (as a dict key), printing it or
comparing it recurses once per level in C, and the interpreter dies with a segmentation
fault instead of raising an error. A CIFAR-10 batch nests five levels deep, so we refuse
anything deeper than `MAX_DEPTH` before a single object exists.

How: `pickletools.genops` decodes the opcode stream without building anything (and without
recursion). We replay it on a stack of `_Node` placeholders that only remember their
*height*: 0 for a leaf, else 1 + the height of their tallest child. Any opcode that builds an
object from stack items (TUPLE, REDUCE, ...) makes a node one level above what it consumed;
the opcodes that add to an existing container (APPEND, SETITEM, ADDITEMS, BUILD, ...) raise
that container's height, and every container already holding it, since the memo (GET) lets
a pickle fill a container after it was put inside another. A cycle would keep raising
heights forever, so it is refused by the same bound.
"""

from __future__ import annotations

import pickletools

#: The deepest nesting a pickle may have. CIFAR-10 batches reach 5 (the dict > an array > its
#: state > its dtype > the dtype's arguments); 100 leaves room and keeps any recursion over
#: the result far from Python's own limit (1,000) and from the C stack.
MAX_DEPTH = 100

_MARK = pickletools.markobject
_ADD_TO_TOP = {"APPEND", "SETITEM", "BUILD"}  # pop items, add them to the container below
_ADD_FROM_MARK = {"APPENDS", "SETITEMS", "ADDITEMS"}  # pop to the mark, add to the container
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}


class PickleStructureError(ValueError):
    """The opcode stream nests too deeply, or does not describe a valid pickle."""


class _Node:
    """Stands for one object the unpickler would build: its height and who contains it."""

    __slots__ = ("height", "parents")

    def __init__(self, height: int = 0):
        self.height = height
        self.parents: list[_Node] = []


def _raise_height(node: _Node, height: int) -> None:
    """Set `node` at least `height` high and lift every container above it (no recursion)."""
    pending = [(node, height)]
    while pending:
        node, height = pending.pop()
        if height <= node.height:
            continue
        if height > MAX_DEPTH:
            raise PickleStructureError(
                f"objects nested more than {MAX_DEPTH} levels deep (or a container that holds "
                "itself); a CIFAR-10 batch nests 5 levels"
            )
        node.height = height
        pending.extend((parent, height + 1) for parent in node.parents)


#: One shared node for every value made from nothing but its opcode's argument (numbers,
#: strings, globals): it has no children, so it never grows and needs no parent links.
_LEAF = _Node()
_EMPTY_CONTAINERS = {"EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET"}


def _add_child(container: _Node, child: _Node) -> None:
    if container is _LEAF:  # the unpickler fails here too (a str has no append)
        raise PickleStructureError("a pickle adds items to a value that is not a container")
    if child is not _LEAF:
        child.parents.append(container)
    _raise_height(container, child.height + 1)


class _Replay:
    """The stack, the marks and the memo of the unpickler, holding `_Node`s."""

    def __init__(self) -> None:
        self.stack: list[_Node] = []
        self.marks: list[int] = []
        self.memo: dict[int, _Node] = {}

    def pop(self, count: int = 1) -> list[_Node]:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) - count < floor:
            raise PickleStructureError("an opcode takes more items than the stack holds")
        items = self.stack[len(self.stack) - count:]
        del self.stack[len(self.stack) - count:]
        return items

    def pop_to_mark(self) -> list[_Node]:
        if not self.marks:
            raise PickleStructureError("an opcode needs a MARK that was never set")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def top(self) -> _Node:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise PickleStructureError("an opcode needs an object but the stack is empty")
        return self.stack[-1]

    def step(self, opcode: pickletools.OpcodeInfo, arg: object) -> None:
        """Apply one opcode's effect on the stack, measuring heights."""
        name = opcode.name
        if name == "MARK":
            self.marks.append(len(self.stack))
        elif name in _ADD_TO_TOP or name in _ADD_FROM_MARK:
            self._fill_container(opcode)
        elif name in _MEMO_PUT or name == "MEMOIZE":
            key = len(self.memo) if name == "MEMOIZE" else arg
            self.memo[key] = self.top()
        elif name in _MEMO_GET:
            self._memo_get(arg)
        elif name == "DUP":
            self.stack.append(self.top())
        elif not opcode.stack_before and name not in _EMPTY_CONTAINERS:
            self.stack.extend(_LEAF for _ in opcode.stack_after)  # a number, a string, ...
        else:
            self._build(opcode)

    def _fill_container(self, opcode: pickletools.OpcodeInfo) -> None:
        """APPEND, SETITEM, BUILD pop their items; APPENDS, SETITEMS, ADDITEMS pop to the mark.

        Either way the items join the container left on top of the stack.
        """
        if opcode.name in _ADD_FROM_MARK:
            items = self.pop_to_mark()
        else:
            items = self.pop(len(opcode.stack_before) - 1)  # all but the container itself
        for item in items:
            _add_child(self.top(), item)

    def _memo_get(self, key: object) -> None:
        if key not in self.memo:
            raise PickleStructureError(f"memo key {key} is read before it is written")
        self.stack.append(self.memo[key])

    def _build(self, opcode: pickletools.OpcodeInfo) -> None:
        """An opcode that builds a new object (TUPLE, REDUCE, ...) from what it pops."""
        uses_mark = _MARK in opcode.stack_before
        items = self.pop_to_mark() if uses_mark else self.pop(len(opcode.stack_before))
        if opcode.stack_after:
            node = _Node()
            for item in items:  # a child may still grow (a list filled later via the memo)
                _add_child(node, item)
            self.stack.append(node)

def check_depth(data: bytes) -> None:
    """Refuse a pickle nested more than `MAX_DEPTH` levels deep, without unpickling it.

    Args:
        data: The whole pickle.

    Raises:
        PickleStructureError: Too deep, a cycle, or an opcode stream that cannot be replayed
            (unknown opcode, truncated argument, stack underflow, no STOP).
    """
    replay = _Replay()
    try:
        for opcode, arg, _ in pickletools.genops(data):
            replay.step(opcode, arg)
    except PickleStructureError:
        raise
    except ValueError as error:  # genops: unknown opcode, truncated argument, missing STOP
        raise PickleStructureError(f"not a valid pickle ({error})") from None
