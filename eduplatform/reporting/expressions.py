"""A small, safe expression language for computed fields (合计) and cross-field rules.

User text is never handed to ``eval``: it is tokenised and parsed by a recursive-descent parser
over a whitelisted grammar into a tree of tuples, checked against the template's fields, and
evaluated by walking that tree. Only the operators and functions listed here exist.

    expr       := or_expr
    or_expr    := and_expr (("or" | "||" | "或") and_expr)*
    and_expr   := not_expr (("and" | "&&" | "且") not_expr)*
    not_expr   := ("not" | "!" | "非") not_expr | comparison
    comparison := additive (("<" | "<=" | "≤" | ">" | ">=" | "≥" | "==" | "=" | "!=" | "≠" | "<>") additive)?
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/" | "%") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME ("." NAME)* | NAME "(" [expr ("," expr)*] ")"
                | "(" expr ")"

Blank values are ``None``. In a rule, anything compared with a blank is *unknown* and the rule is
not reported (``required`` catches blanks); ``empty(x)`` tests for blanks explicitly. Computed
fields treat blank numbers as 0, which is what a 合计 row means on a paper form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

MAX_LENGTH = 1000
MAX_NODES = 300
MAX_DEPTH = 40

NUMBER, TEXT, DATE, BOOL, LIST_NUMBER, LIST_TEXT, ANY = (
    "number", "text", "date", "bool", "list[number]", "list[text]", "any")
KIND_LABELS = {NUMBER: "数值", TEXT: "文本", DATE: "日期", BOOL: "真假值", LIST_NUMBER: "数值列",
               LIST_TEXT: "多选/文本列", ANY: "任意"}


class ExpressionError(ValueError):
    """The expression cannot be parsed or does not fit the template; ``message`` is Chinese."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message if position is None else f"{message}（第 {position + 1} 个字符处）"


class EvaluationError(Exception):
    """A value problem at run time (division by zero, wrong kinds): the result is unknown."""


# --- tokens --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\\\n]{0,200}"|'[^'\\\n]{0,200}'|“[^”\n]{0,200}”)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|<>|&&|\|\||[-+*/%<>=!(),.≤≥≠]|且|或|非)
""", re.VERBOSE)

_KEYWORDS = {"and": "and", "or": "or", "not": "not", "且": "and", "或": "or", "非": "not",
             "&&": "and", "||": "or", "!": "not"}
_COMPARISONS = {"<": "<", "<=": "<=", "≤": "<=", ">": ">", ">=": ">=", "≥": ">=", "==": "==",
                "=": "==", "!=": "!=", "≠": "!=", "<>": "!="}


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长（不超过 {MAX_LENGTH} 个字符）")
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"无法识别的字符 “{text[pos]}”", pos)
        kind = match.lastgroup
        value = match.group(kind)
        if kind != "space":
            if kind == "number" and len(value) > 30:
                raise ExpressionError("数字过长", pos)
            if kind == "name" and value.startswith("__"):
                raise ExpressionError(f"名称 {value} 不能以 __ 开头", pos)
            if kind == "name" and value.lower() in ("and", "or", "not", "true", "false"):
                value = value.lower()
                kind = "op" if value in _KEYWORDS else "name"
            tokens.append(Token(kind, value, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- parser --------------------------------------------------------------------------------------
# Nodes: ("num", Decimal) ("str", s) ("bool", b) ("ref", ("a", "b")) ("call", name, [args])
#        ("neg", x) ("bin", op, a, b) ("cmp", op, a, b) ("and", a, b) ("or", a, b) ("not", x)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.nodes = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def node(self, *parts):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError("表达式过于复杂，请拆分")
        return parts

    def keyword(self, name: str) -> bool:
        token = self.peek()
        return token.kind == "op" and _KEYWORDS.get(token.value) == name

    def parse(self):
        if self.peek().kind == "end":
            raise ExpressionError("表达式为空")
        tree = self.or_expr(0)
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"多余的内容 “{token.value}”", token.pos)
        return tree

    def _depth(self, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ExpressionError("表达式嵌套过深")
        return depth + 1

    def or_expr(self, depth):
        depth = self._depth(depth)
        left = self.and_expr(depth)
        while self.keyword("or"):
            self.take()
            left = self.node("or", left, self.and_expr(depth))
        return left

    def and_expr(self, depth):
        left = self.not_expr(depth)
        while self.keyword("and"):
            self.take()
            left = self.node("and", left, self.not_expr(depth))
        return left

    def not_expr(self, depth):
        if self.keyword("not"):
            self.take()
            return self.node("not", self.not_expr(self._depth(depth)))
        return self.comparison(depth)

    def comparison(self, depth):
        left = self.additive(depth)
        token = self.peek()
        if token.kind == "op" and token.value in _COMPARISONS:
            self.take()
            right = self.additive(depth)
            left = self.node("cmp", _COMPARISONS[token.value], left, right)
            following = self.peek()
            if following.kind == "op" and following.value in _COMPARISONS:
                raise ExpressionError("比较不能连写，请用 and 连接两个比较", following.pos)
        return left

    def additive(self, depth):
        left = self.term(depth)
        while self.peek().kind == "op" and self.peek().value in "+-":
            op = self.take().value
            left = self.node("bin", op, left, self.term(depth))
        return left

    def term(self, depth):
        left = self.unary(depth)
        while self.peek().kind == "op" and self.peek().value in ("*", "/", "%"):
            op = self.take().value
            left = self.node("bin", op, left, self.unary(depth))
        return left

    def unary(self, depth):
        token = self.peek()
        if token.kind == "op" and token.value in "+-":
            self.take()
            operand = self.unary(self._depth(depth))
            return operand if token.value == "+" else self.node("neg", operand)
        return self.primary(depth)

    def primary(self, depth):
        token = self.take()
        if token.kind == "number":
            return self.node("num", Decimal(token.value))
        if token.kind == "string":
            return self.node("str", token.value[1:-1])
        if token.kind == "name":
            if token.value in ("true", "false"):
                return self.node("bool", token.value == "true")
            if self.peek().kind == "op" and self.peek().value == "(":
                return self.call(token, depth)
            path = [token.value]
            while self.peek().kind == "op" and self.peek().value == ".":
                self.take()
                part = self.take()
                if part.kind != "name":
                    raise ExpressionError("“.” 后应为字段代码", part.pos)
                path.append(part.value)
            if len(path) > 3:
                raise ExpressionError(f"字段引用 {'.'.join(path)} 层级过多", token.pos)
            return self.node("ref", tuple(path), token.pos)
        if token.kind == "op" and token.value == "(":
            inner = self.or_expr(self._depth(depth))
            closing = self.take()
            if not (closing.kind == "op" and closing.value == ")"):
                raise ExpressionError("缺少右括号 “)”", closing.pos)
            return inner
        if token.kind == "end":
            raise ExpressionError("表达式不完整", token.pos)
        raise ExpressionError(f"此处不应出现 “{token.value}”", token.pos)

    def call(self, name_token, depth):
        name = name_token.value.lower()
        if name not in FUNCTIONS:
            raise ExpressionError(f"不支持的函数 {name_token.value}()；可用：{', '.join(sorted(FUNCTIONS))}",
                                  name_token.pos)
        self.take()  # "("
        args = []
        if not (self.peek().kind == "op" and self.peek().value == ")"):
            while True:
                args.append(self.or_expr(self._depth(depth)))
                if self.peek().kind == "op" and self.peek().value == ",":
                    self.take()
                    continue
                break
        closing = self.take()
        if not (closing.kind == "op" and closing.value == ")"):
            raise ExpressionError(f"函数 {name}() 缺少右括号", closing.pos)
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"{low}" if low == high else f"{low}–{high if high is not None else 'n'}"
            raise ExpressionError(f"函数 {name}() 需要 {expected} 个参数", name_token.pos)
        return self.node("call", name, args)


#: name → (min args, max args or None)
FUNCTIONS = {
    "sum": (1, None), "min": (1, None), "max": (1, None), "avg": (1, None), "count": (1, 1),
    "abs": (1, 1), "round": (1, 2), "if": (3, 3), "empty": (1, 1), "contains": (2, 2),
    "len": (1, 1), "coalesce": (2, 2), "rows": (1, 1),
}


def parse(text: str):
    """Parse ``text`` into a tree; raises ExpressionError with a Chinese message."""
    return _Parser(text or "").parse()


def references(tree) -> set[tuple[str, ...]]:
    """Every field path the tree reads."""
    found: set[tuple[str, ...]] = set()

    def walk(node):
        kind = node[0]
        if kind == "ref":
            found.add(node[1])
        elif kind == "call":
            for arg in node[2]:
                walk(arg)
        elif kind in ("bin", "cmp"):
            walk(node[2])
            walk(node[3])
        elif kind in ("and", "or"):
            walk(node[1])
            walk(node[2])
        elif kind in ("neg", "not"):
            walk(node[1])

    walk(tree)
    return found


# --- plain words ---------------------------------------------------------------------------------

_ARITHMETIC = {"+": "＋", "-": "－", "*": "×", "/": "÷", "%": "除以后的余数 "}
_RELATIONS = {"<": "小于", "<=": "不大于", ">": "大于", ">=": "不小于", "==": "等于", "!=": "不等于"}
#: binding strength, to put brackets only where the words would otherwise mean something else
_STRENGTH = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "neg": 7}


def describe(tree, label) -> str:
    """The formula in the words a school reads: field labels instead of codes, ÷ and ×, 若…则…
    (``label(path)`` names a field path). The stored expression stays the formula's true form."""

    def strength(node) -> int:
        tag = node[0]
        if tag == "bin":
            return _STRENGTH[node[1]]
        return _STRENGTH.get(tag, 9)

    def part(node, parent: int) -> str:
        text = words(node)
        return f"（{text}）" if strength(node) < parent else text

    def words(node) -> str:
        tag = node[0]
        if tag == "num":
            return format(node[1].normalize(), "f")
        if tag == "str":
            return f"“{node[1]}”"
        if tag == "bool":
            return "是" if node[1] else "否"
        if tag == "ref":
            return label(node[1])
        if tag == "neg":
            return "－" + part(node[1], _STRENGTH["neg"])
        if tag == "bin":
            op = node[1]
            left, right = part(node[2], _STRENGTH[op]), part(node[3], _STRENGTH[op] + 1)
            if op == "%":
                return f"{left} 除以 {right} 的余数"
            return f"{left} {_ARITHMETIC[op]} {right}"
        if tag == "cmp":
            return f"{part(node[2], 5)}{_RELATIONS[node[1]]} {part(node[3], 5)}"
        if tag in ("and", "or"):
            joiner = " 且 " if tag == "and" else " 或 "
            return part(node[1], _STRENGTH[tag]) + joiner + part(node[2], _STRENGTH[tag])
        if tag == "not":
            return "并非" + part(node[1], _STRENGTH["not"] + 1)
        return call(node[1], node[2])

    def call(name: str, args) -> str:
        said = [words(a) for a in args]
        if name == "if":
            return f"{said[1]}（当{said[0]} 时；否则为 {said[2]}）"
        if name in ("sum", "min", "max", "avg"):
            what = {"sum": "之和", "min": "中的最小值", "max": "中的最大值", "avg": "的平均值"}[name]
            return f"{'、'.join(said)}{what}"
        if name == "round":
            return f"{said[0]}（四舍五入到 {said[1]} 位小数）" if len(said) > 1 else f"{said[0]}（四舍五入取整）"
        single = {"count": "{}的个数", "abs": "{}的绝对值", "empty": "{}未填", "len": "{}的长度",
                  "rows": "{}的行数"}
        if name in single:
            return single[name].format(said[0])
        if name == "contains":
            return f"{said[0]}包含 {said[1]}"
        if name == "coalesce":
            return f"{said[0]}（未填时取 {said[1]}）"
        return f"{name}({'，'.join(said)})"  # pragma: no cover - every function is named above

    return words(tree)


# --- static checking -----------------------------------------------------------------------------


def check(tree, resolve) -> str:
    """Infer the kind of ``tree``; ``resolve(path) -> kind`` raises ExpressionError for unknown fields."""

    def kind_of(node) -> str:
        tag = node[0]
        if tag == "num":
            return NUMBER
        if tag == "str":
            return TEXT
        if tag == "bool":
            return BOOL
        if tag == "ref":
            return resolve(node[1])
        if tag == "neg":
            _expect(kind_of(node[1]), (NUMBER,), "取负")
            return NUMBER
        if tag == "bin":
            _expect(kind_of(node[2]), (NUMBER,), f"运算 {node[1]}")
            _expect(kind_of(node[3]), (NUMBER,), f"运算 {node[1]}")
            return NUMBER
        if tag == "cmp":
            left, right = kind_of(node[2]), kind_of(node[3])
            if ANY not in (left, right) and left != right:
                raise ExpressionError(f"不能比较{KIND_LABELS[left]}与{KIND_LABELS[right]}")
            if node[1] not in ("==", "!=") and left in (BOOL, LIST_NUMBER, LIST_TEXT):
                raise ExpressionError(f"{KIND_LABELS[left]}不能比较大小")
            return BOOL
        if tag in ("and", "or"):
            _expect(kind_of(node[1]), (BOOL,), tag)
            _expect(kind_of(node[2]), (BOOL,), tag)
            return BOOL
        if tag == "not":
            _expect(kind_of(node[1]), (BOOL,), "not")
            return BOOL
        if tag == "call":
            return _check_call(node[1], [kind_of(arg) for arg in node[2]])
        raise ExpressionError("无法识别的表达式")  # pragma: no cover - the parser makes no other nodes

    return kind_of(tree)


def _expect(kind: str, allowed: tuple[str, ...], where: str) -> None:
    if kind != ANY and kind not in allowed:
        wanted = "或".join(KIND_LABELS[k] for k in allowed)
        raise ExpressionError(f"{where} 需要{wanted}，但得到{KIND_LABELS[kind]}")


def _check_call(name: str, kinds: list[str]) -> str:
    if name in ("sum", "min", "max", "avg"):
        for kind in kinds:
            _expect(kind, (NUMBER, LIST_NUMBER), f"{name}()")
        return NUMBER
    if name == "count":
        _expect(kinds[0], (LIST_NUMBER, LIST_TEXT), "count()")
        return NUMBER
    if name == "rows":
        _expect(kinds[0], ("table",), "rows()")
        return NUMBER
    if name == "abs":
        _expect(kinds[0], (NUMBER,), "abs()")
        return NUMBER
    if name == "round":
        for kind in kinds:
            _expect(kind, (NUMBER,), "round()")
        return NUMBER
    if name == "if":
        _expect(kinds[0], (BOOL,), "if() 的条件")
        if ANY not in kinds[1:] and kinds[1] != kinds[2]:
            raise ExpressionError("if() 的两个结果类型须一致")
        return kinds[1] if kinds[1] != ANY else kinds[2]
    if name == "empty":
        return BOOL
    if name == "contains":
        _expect(kinds[0], (LIST_TEXT, LIST_NUMBER, TEXT), "contains() 的第一个参数")
        return BOOL
    if name == "len":
        _expect(kinds[0], (TEXT, LIST_TEXT, LIST_NUMBER), "len()")
        return NUMBER
    if name == "coalesce":
        return kinds[0] if kinds[0] != ANY else kinds[1]
    raise ExpressionError(f"不支持的函数 {name}()")  # pragma: no cover


KIND_LABELS["table"] = "表格"


# --- evaluation ----------------------------------------------------------------------------------


class Table:
    """A table value seen from an expression: its rows, each a dict of column → value."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[dict]):
        self.rows = rows


def evaluate(tree, lookup, *, blank_as_zero: bool = False):
    """Evaluate ``tree``; ``lookup(path)`` gives a field's value (None when blank).

    Returns a Decimal, str, date, bool, list or None (unknown). Never raises for bad data: a
    division by zero or a value of the wrong kind makes the result unknown.
    """
    try:
        with localcontext() as ctx:
            ctx.prec = 28
            ctx.Emax = 999
            ctx.Emin = -999
            return _eval(tree, lookup, blank_as_zero)
    except (EvaluationError, InvalidOperation, ArithmeticError, TypeError, ValueError):
        return None


def _num(value, blank_as_zero: bool):
    if value is None or value == "":
        if blank_as_zero:
            return Decimal(0)
        return None
    if isinstance(value, bool):
        raise EvaluationError("布尔值不能参与运算")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raise EvaluationError("不是数值")


def _eval(node, lookup, bz):
    tag = node[0]
    if tag in ("num", "str", "bool"):
        return node[1]
    if tag == "ref":
        return lookup(node[1])
    if tag == "neg":
        value = _num(_eval(node[1], lookup, bz), bz)
        return None if value is None else -value
    if tag == "bin":
        left = _num(_eval(node[2], lookup, bz), bz)
        right = _num(_eval(node[3], lookup, bz), bz)
        if left is None or right is None:
            return None
        op = node[1]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise EvaluationError("除数为零")
        return left / right if op == "/" else left % right
    if tag == "cmp":
        return _compare(node[1], _eval(node[2], lookup, bz), _eval(node[3], lookup, bz))
    if tag == "and":
        left = _truth(_eval(node[1], lookup, bz))
        if left is False:
            return False
        right = _truth(_eval(node[2], lookup, bz))
        if right is False:
            return False
        return None if left is None or right is None else True
    if tag == "or":
        left = _truth(_eval(node[1], lookup, bz))
        if left is True:
            return True
        right = _truth(_eval(node[2], lookup, bz))
        if right is True:
            return True
        return None if left is None or right is None else False
    if tag == "not":
        value = _truth(_eval(node[1], lookup, bz))
        return None if value is None else not value
    if tag == "call":
        return _call(node[1], node[2], lookup, bz)
    raise EvaluationError("未知节点")  # pragma: no cover


def _truth(value):
    if value is None or isinstance(value, bool):
        return value
    raise EvaluationError("条件不是真假值")


def _compare(op, left, right):
    if left is None or right is None or left == "" or right == "":
        return None
    if isinstance(left, (int, float)) and not isinstance(left, bool):
        left = _num(left, False)
    if isinstance(right, (int, float)) and not isinstance(right, bool):
        right = _num(right, False)
    if isinstance(left, date) != isinstance(right, date):
        raise EvaluationError("日期只能与日期比较")
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if isinstance(left, (list, bool)) or isinstance(right, (list, bool)):
        raise EvaluationError("不能比较大小")
    if type(left) is not type(right):
        raise EvaluationError("类型不同")
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _flatten_numbers(values, bz):
    numbers = []
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            number = _num(item, False)
            if number is not None:
                numbers.append(number)
    return numbers


def _call(name, arg_nodes, lookup, bz):
    if name == "if":
        condition = _truth(_eval(arg_nodes[0], lookup, bz))
        if condition is None:
            return None
        return _eval(arg_nodes[1] if condition else arg_nodes[2], lookup, bz)
    args = [_eval(arg, lookup, bz) for arg in arg_nodes]
    if name in ("sum", "min", "max", "avg"):
        numbers = _flatten_numbers(args, bz)
        if name == "sum":
            return sum(numbers, Decimal(0))
        if not numbers:
            return None
        if name == "avg":
            return sum(numbers, Decimal(0)) / len(numbers)
        return min(numbers) if name == "min" else max(numbers)
    if name == "count":
        items = args[0] if isinstance(args[0], list) else []
        return Decimal(sum(1 for item in items if item not in (None, "")))
    if name == "rows":
        return Decimal(len(args[0].rows)) if isinstance(args[0], Table) else Decimal(0)
    if name == "abs":
        value = _num(args[0], bz)
        return None if value is None else abs(value)
    if name == "round":
        value = _num(args[0], bz)
        places = _num(args[1], False) if len(args) > 1 else Decimal(0)
        if value is None or places is None:
            return None
        places = int(places)
        if not 0 <= places <= 10:
            raise EvaluationError("小数位数须在 0–10 之间")
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if name == "empty":
        value = args[0]
        if isinstance(value, Table):
            return not value.rows
        return value is None or value == "" or value == []
    if name == "contains":
        container, item = args
        if container is None or item is None:
            return None
        if isinstance(container, str):
            return str(item) in container
        return item in container
    if name == "len":
        value = args[0]
        return Decimal(0) if value is None else Decimal(len(value))
    if name == "coalesce":
        return args[0] if args[0] not in (None, "") else args[1]
    raise EvaluationError(f"不支持的函数 {name}")  # pragma: no cover
