"""The source of a program as the script runner judges it: the script (or
a notebook's code cells) and the local modules it imports, transitively:
the `.py` files and packages beside it (its `sys.path[0]`) that its
`import` statements name. Nothing is executed; a module that does not
parse is read for its text alone."""
import ast
import os
import re

# Programs import a few dozen local modules at most; a directory full of
# Python files is not read without end.
_MAX_MODULES = 200
_MAX_BYTES = 2 * 1024 * 1024

# `import a.b, c` and `from .a.b import c, d` as lines, for sources that
# do not parse (notebook magics, Python 2 prints).
_IMPORT_LINE = re.compile(
    r'^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w., \t]+)|'
    r'import[ \t]+([\w., \t]+))', re.MULTILINE)


def _read(path):
    """The text of the file at `path`, or None when it cannot be read or
    is too large to be a program's module."""
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            return None
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return None


def _names(text):
    """The dotted names in an import line's list (`a.b as c, d`)."""
    return [part.split()[0] for part in text.split(',') if part.split()]


def imported_names(source):
    """`(level, module, names)` for each import statement of `source`:
    `import a.b` is `(0, 'a.b', [])`, `from ..m import x, y` is
    `(2, 'm', ['x', 'y'])`."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _imported_names_of_lines(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or '',
                          [alias.name for alias in node.names]))
    return found


def _imported_names_of_lines(source):
    found = []
    for match in _IMPORT_LINE.finditer(source):
        module, names, plain = match.groups()
        if plain is not None:
            found.extend((0, name, []) for name in _names(plain))
        else:
            level = len(module) - len(module.lstrip('.'))
            found.append((level, module.lstrip('.'), _names(names)))
    return found


def _module_file(root, dotted):
    """The file of the module or package `dotted` under `root`, or None."""
    if not dotted:
        path = os.path.join(root, '__init__.py')
        return path if os.path.isfile(path) else None
    base = os.path.join(root, *dotted.split('.'))
    for path in (base + '.py', os.path.join(base, '__init__.py')):
        if os.path.isfile(path):
            return path
    return None


def _imported_files(path, source, top):
    """The local files that the imports of `source` (the file at `path`)
    name, with `top` the directory absolute imports start from."""
    here = os.path.dirname(path)
    files = []
    for level, module, names in imported_names(source):
        if level:
            root = here
            for _ in range(level - 1):
                root = os.path.dirname(root)
        else:
            root = top
        parts = module.split('.') if module else []
        # `import a.b.c` runs a/__init__.py and a/b/__init__.py too.
        for i in range(1, len(parts) + 1):
            files.append(_module_file(root, '.'.join(parts[:i])))
        if level and not parts:
            files.append(_module_file(root, ''))
        # `from a import b` may name the submodule a/b.py.
        files.extend(_module_file(root, '.'.join(parts + [name]))
                     for name in names if name != '*')
    return [f for f in files if f is not None]


def program_sources(source, directory):
    """The source `source` of a program whose modules are found in
    `directory`, followed by the sources of the local modules it imports,
    transitively, each once."""
    sources = [source]
    if not directory or not os.path.isdir(directory):
        return sources
    top = os.path.abspath(directory)
    pending = [(os.path.join(top, '__main__'), source)]
    seen = set()
    while pending and len(seen) < _MAX_MODULES:
        path, text = pending.pop()
        for found in _imported_files(path, text, top):
            found = os.path.abspath(found)
            if found in seen:
                continue
            seen.add(found)
            module_source = _read(found)
            if module_source is not None:
                sources.append(module_source)
                pending.append((found, module_source))
    return sources
