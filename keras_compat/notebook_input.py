"""IPython's syntax in notebook cells (`%magic`, `%%cell_magic`, `!shell`,
`x = !cmd`, `obj?`), turned into Python calls on `get_ipython()` as
IPython's own input transformer turns them.

`transform_cell` uses IPython's `TransformerManager` when IPython is
installed, and the small transformer below otherwise; both give the same
code for the syntax notebooks use."""
import re

_PROMPTS = (
    (re.compile(r'^>>>( |$)'), re.compile(r'^(>>>|\.\.\.)( |$)')),
    (re.compile(r'^((\[nav\]|\[ins\])? )?In \[\d+\]: |^\s*\.{3,}: ?'),
     re.compile(r'^((\[nav\]|\[ins\])? )?In \[\d+\]: |^\s*\.{3,}: ?')),
)
_HELP_END = re.compile(r'(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)'
                       r'(\?\??)$')
_ASSIGN = re.compile(r'^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*'
                     r'\s*=\s*)([!%])')


def transform_cell(cell):
    """The Python code IPython runs for the source of a cell."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:  # IPython not installed (or unusable).
        return fallback_transform_cell(cell)
    return TransformerManager().transform_cell(cell)


def fallback_transform_cell(cell):
    """`TransformerManager().transform_cell` without IPython."""
    if not cell.endswith('\n'):
        cell += '\n'
    lines = cell.splitlines(keepends=True)
    lines = _strip_prompts(_leading_indent(_leading_empty_lines(lines)))
    if lines and lines[0].startswith('%%') and \
            not re.match(r'%%\w+\?', lines[0]):
        name, _, first_line = lines[0][2:].rstrip().partition(' ')
        return 'get_ipython().run_cell_magic(%r, %r, %r)\n' % (
            name, first_line, ''.join(lines[1:]))
    out = []
    for start, end in _logical_lines(lines):
        out.append(_transform_statement(lines[start:end]))
    return ''.join(out)


def _leading_empty_lines(lines):
    for i, line in enumerate(lines):
        if line and not line.isspace():
            return lines[i:]
    return lines


def _leading_indent(lines):
    match = re.match(r'^[ \t]+', lines[0]) if lines else None
    if not match:
        return lines
    space = match.group(0)
    return [line[len(space):] if line.startswith(space) else line
            for line in lines]


def _strip_prompts(lines):
    for initial, prompt in _PROMPTS:
        if lines and (initial.match(lines[0]) or
                      (len(lines) > 1 and prompt.match(lines[1]))):
            lines = [prompt.sub('', line, count=1) for line in lines]
    return lines


def _logical_lines(lines):
    """(start, end) line ranges of the cell's statements: a statement goes
    on while a bracket or a triple-quoted string is open, or a line ends
    with a backslash."""
    start, depth, quote = 0, 0, None
    for i, line in enumerate(lines):
        depth, quote, continued = _scan(line, depth, quote)
        if depth <= 0 and quote is None and not continued:
            yield start, i + 1
            start, depth = i + 1, 0
    if start < len(lines):
        yield start, len(lines)


def _scan(line, depth, quote):
    """Bracket depth and open triple quote after `line`, and whether it
    ends with a line continuation."""
    i, n = 0, len(line)
    while i < n:
        if quote is not None:
            if line[i] == '\\':
                i += 2
                continue
            if line.startswith(quote, i):
                i, quote = i + len(quote), None
                continue
            if len(quote) == 1 and line[i] == '\n':
                quote = None
            i += 1
            continue
        char = line[i]
        if char == '#':
            break
        if char in '\'"':
            quote = char * 3 if line.startswith(char * 3, i) else char
            i += len(quote)
            continue
        if char in '([{':
            depth += 1
        elif char in ')]}':
            depth -= 1
        i += 1
    if quote is not None and len(quote) == 1:
        quote = None
    return depth, quote, line.rstrip('\r\n').endswith('\\')


def _joined(lines):
    """A statement's lines as one line, backslash continuations joined as
    IPython joins them."""
    parts = [line.rstrip()[:-1] if line.rstrip().endswith('\\')
             else line.rstrip() for line in lines]
    return ' '.join(parts) if all(
        line.rstrip().endswith('\\') for line in lines[:-1]) else None


def _transform_statement(lines):
    """The IPython syntax at the start or end of one statement."""
    source = ''.join(lines)
    stripped = source.lstrip(' \t')
    indent = source[:len(source) - len(stripped)]
    line = _joined(lines)
    if line is None:
        return source
    line = line[len(indent):]
    assign = _ASSIGN.match(line)
    if assign:
        lhs, rest = assign.group(1), line[len(assign.group(1)):]
        if rest.startswith('!'):
            return indent + lhs + 'get_ipython().getoutput(%r)\n' % rest[1:]
        name, _, args = rest[1:].partition(' ')
        if re.match(r'[A-Za-z_]', name):
            return indent + lhs + \
                'get_ipython().run_line_magic(%r, %r)\n' % (name, args)
    help_end = _HELP_END.search(line) if line.endswith('?') else None
    if help_end and line[:help_end.start()].strip() in ('', '?', '??', '%'):
        return indent + _help_call(help_end.group(1), help_end.group(3)) + \
            '\n'
    call = _escaped(line)
    return source if call is None else indent + call + '\n'


def _escaped(line):
    """The call for a line starting with `!`, `!!`, `%`, `?` or `??`."""
    if line.startswith('!!'):
        return 'get_ipython().getoutput(%r)' % line[2:]
    if line.startswith('!'):
        return 'get_ipython().system(%r)' % line[1:]
    if line.startswith('%'):
        name, _, args = line[1:].partition(' ')
        return 'get_ipython().run_line_magic(%r, %r)' % (name, args)
    if line.startswith('?'):
        escape = '??' if line.startswith('??') else '?'
        content = line[len(escape):]
        if not content:
            return 'get_ipython().show_usage()'
        return _help_call(content, escape)
    return None


def _help_call(target, escape):
    method = 'pinfo2' if escape == '??' else \
        'psearch' if '*' in target else 'pinfo'
    return 'get_ipython().run_line_magic(%r, %r)' % (method, target)
