"""Files in and out, defensively.

Output (``atomic_write``): a failed run leaves the previous good file in place, and nothing
that loopsource did not create is replaced: an output path that is a FIFO, a device, a
socket or a folder is refused; a symlink is written *through* (its target is replaced, the
link stays; a link to something that is not a regular file is refused like that thing).

Input (``read_input``, ``load_yaml``, ``compose_yaml_bounded``): regular files only (a FIFO,
a device or a link to /dev/zero is refused before a byte is read), a size limit, and YAML
whose aliases may not expand beyond a node budget (a "billion laughs" file is refused in
milliseconds). Each refusal is an :class:`InputError` naming the file.

``kill_point`` is a test hook: with ``LOOPSOURCE_TEST_KILL_AT=NAME`` in the environment the
process SIGKILLs itself at the point named NAME (fault tests in tests/hostile/).
"""
from __future__ import annotations

import io
import math

import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from .errors import InputError, OutputError, Problem

# Limits of what a user's file may hold (docs/security.md). Real exports are far below them.
MAX_CSV_BYTES = 2 * 1024**3
MAX_RDF_BYTES = 256 * 1024**2
MAX_YAML_BYTES = 1024**2
MAX_QUERY_BYTES = 1024**2
MAX_YAML_NODES = 100_000  # after alias expansion
MAX_YAML_DEPTH = 64


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def output_target(target: Path) -> Path:
    """The file an output to ``target`` replaces: ``target`` itself, or the end of its symlink
    chain. Raises :class:`OutputError` for anything but a regular file or nothing."""
    target = Path(target)
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError as e:
        raise OutputError(f"{target}: cannot write here: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        via = f" (a symlink to {real})" if real != target else ""
        hint = "; leave out -o to write to standard output" if not stat.S_ISDIR(st.st_mode) else ""
        raise OutputError(f"{target}{via} is {_kind(st.st_mode)}: loopsource writes only regular files "
                          f"and never replaces anything else{hint}")
    return real


def atomic_write(target: Path, data: bytes | str) -> None:
    """Write a file so that readers see the old content or the new, never a half-written one."""
    encoded = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write_with(target, lambda f: f.write(encoded))


def atomic_write_text(target: Path, write: Callable[[TextIO], object]) -> None:
    """:func:`atomic_write` of the UTF-8 text that ``write(file)`` writes piece by piece, so a
    large output (metrics.json at 10^7 triples: hundreds of MB) is never one string in memory."""
    def text(f: BinaryIO) -> None:
        wrapper = io.TextIOWrapper(f, encoding="utf-8", newline="\n", write_through=False)
        write(wrapper)
        wrapper.flush()
        wrapper.detach()  # the binary file stays open for the fsync
    atomic_write_with(target, text)


def atomic_write_with(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Run ``write(file)`` on a temporary file beside ``target``, then rename it over ``target``:
    readers see the old content or the new. An exception in ``write`` leaves ``target`` as it was."""
    shown = Path(target)
    target = output_target(shown)
    try:
        with removed_on_failure(target.parent):
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_new(target, write)
    except OSError as e:
        raise OutputError(f"{shown}: cannot write: {e.strerror or e}") from None


def _write_new(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write`` a temporary file beside ``target`` and rename it over ``target``."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".tmp", dir=target.parent)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


@contextmanager
def removed_on_failure(path: Path) -> Iterator[None]:
    """Run the block; if it fails, remove the folders it created for ``path``: the first of
    ``path`` and its parents that did not exist before, with everything in it (a store's lock
    file, a run's .runs folder). A failed command leaves no folder behind that it created, and
    never removes one that was there before."""
    path = Path(os.path.abspath(path))
    first_new = None
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            break
        first_new = p
    try:
        yield
    except BaseException:
        if first_new is not None and first_new.is_dir() and not first_new.is_symlink():
            shutil.rmtree(first_new, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_input(path: Path, label: str | None = None, *, limit: int = MAX_CSV_BYTES) -> bytes:
    """The bytes of a user's input file: a regular file of at most ``limit`` bytes.

    Opened non-blocking, so that a FIFO does not hang the open, and checked on the open file
    descriptor (fstat), so that what is checked is what is read.
    """
    label = label or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(Problem(label, None, None, "file not found")) from None
    except OSError as e:
        raise InputError(Problem(label, None, None, f"cannot read the file: {e.strerror or e}")) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(Problem(label, None, None, f"is {_kind(st.st_mode)}; loopsource reads regular files only"))
        if st.st_size > limit:
            raise InputError(Problem(label, None, None, f"file is {st.st_size:,} bytes, over the limit of "
                                                        f"{limit:,} bytes"))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 24, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while we read it
                raise InputError(Problem(label, None, None, f"file is over the limit of {limit:,} bytes"))
        return b"".join(chunks)
    except OSError as e:
        raise InputError(Problem(label, None, None, f"cannot read the file: {e.strerror or e}")) from None
    finally:
        os.close(fd)


def read_text_input(path: Path, label: str | None = None, *, limit: int) -> str:
    """:func:`read_input` decoded as UTF-8 (a BOM is dropped); a bad byte is named with its line."""
    raw = read_input(path, label, limit=limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(Problem(label or str(path), line, None,
                                 f"file is not UTF-8 (byte 0x{raw[e.start]:02x}); save it as UTF-8")) from None


# ----------------------------------------------------------------------------- YAML
class YamlLimitError(ValueError):
    """YAML that is too deep or expands (through aliases) beyond the node budget."""


def _bounded_loader() -> type:
    import yaml

    class BoundedSafeLoader(yaml.SafeLoader):
        """A SafeLoader that stops composing at ``MAX_YAML_DEPTH`` levels of nesting."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401 - PyYAML hook
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    raise YamlLimitError(f"nested more than {MAX_YAML_DEPTH} levels deep")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return BoundedSafeLoader


def expanded_size(node: Any) -> int:
    """Nodes a composed YAML tree holds once every alias is expanded, stopping past the budget.

    Aliases share the anchored node, so the count is memoised per node: a billion-laughs
    document of a few hundred nodes is measured in as many steps.
    """
    import yaml

    memo: dict[int, int] = {}

    def size(n: Any) -> int:
        if id(n) in memo:
            return memo[id(n)]
        memo[id(n)] = MAX_YAML_NODES + 1  # a cycle (a recursive alias) counts as too big
        total = 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k) + size(v)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                total += size(v)
                if total > MAX_YAML_NODES:
                    break
        memo[id(n)] = total
        return total

    return size(node)


def compose_yaml_bounded(text: str, label: str) -> tuple[Any, Any]:
    """(root node or None, loader) of a YAML text, refused when over the limits.

    Raises :class:`YamlLimitError` (over a limit) or PyYAML's own errors (syntax); the caller
    turns them into its own error class and must ``dispose()`` the loader.
    """
    if len(text) > MAX_YAML_BYTES:
        raise YamlLimitError(f"is {len(text):,} characters, over the limit of {MAX_YAML_BYTES:,}")
    loader = _bounded_loader()(text)
    node = loader.get_single_node()
    if node is not None and expanded_size(node) > MAX_YAML_NODES:
        loader.dispose()
        raise YamlLimitError(f"expands to more than {MAX_YAML_NODES:,} values (YAML aliases); "
                             "write the values out instead of repeating aliases")
    return node, loader


def load_yaml(text: str, label: str) -> Any:
    """``yaml.safe_load`` within the limits of :func:`compose_yaml_bounded`."""
    node, loader = compose_yaml_bounded(text, label)
    try:
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def kill_point(name: str) -> None:
    """Test hook: SIGKILL this process here when ``LOOPSOURCE_TEST_KILL_AT`` names this point."""
    if os.environ.get("LOOPSOURCE_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def json_safe(v: Any) -> Any:
    """A value that ``json.dumps`` writes as standard JSON: NaN and infinities become null,
    mappings (also mapping proxies) dicts and tuples lists. The one copy for every JSON output
    (metrics.json, scenario, network and tender documents)."""
    if isinstance(v, dict) or hasattr(v, "items"):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
