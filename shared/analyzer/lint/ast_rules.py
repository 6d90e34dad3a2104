"""Lint rules that read sqlglot's syntax tree of one parsed statement.

Each detector takes the statement's tree and yields `(rule_id, node, detail)`; the engine turns node positions
into line numbers. Detectors are conservative on purpose: a linter that cries wolf on stored code gets switched off.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp

Hit = tuple[str, exp.Expr, str]
Detector = Callable[[exp.Expr, str], Iterator[Hit]]

_CONDITION_PARENTS = (exp.Where, exp.Having, exp.Join, exp.If, exp.Qualify)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike, exp.In, exp.Between)
# Wrapping a column in these keeps the predicate sargable (SQL Server seeks CAST(datetime AS date)), or they are
# aggregates that belong to HAVING.
_SARGABLE_FUNCS = (exp.Cast, exp.TryCast, exp.AggFunc)


def _in_condition(node: exp.Expr) -> bool:
    """True when the node sits in a filter/join/branch condition, not in an assignment such as SET x = NULL."""
    parent = node.parent
    child = node
    while parent is not None:
        if isinstance(parent, (exp.Update, exp.SetItem, exp.Set)) and child is not parent.args.get("where"):
            return False
        if isinstance(parent, exp.Join):
            return child is parent.args.get("on")
        if isinstance(parent, _CONDITION_PARENTS):
            return True
        if isinstance(parent, exp.Select) and child in parent.expressions:
            return False  # SELECT @x = NULL is an assignment in T-SQL
        child, parent = parent, parent.parent
    return False


def select_star(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for select in tree.find_all(exp.Select):
        if isinstance(select.parent, exp.Exists) or \
                (isinstance(select.parent, exp.Subquery) and isinstance(select.parent.parent, exp.Exists)):
            continue
        for projection in select.expressions:
            if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column)
                                                    and isinstance(projection.this, exp.Star)):
                yield "select-star", projection, projection.sql(dialect=dialect)


def null_comparison(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for cmp in tree.find_all(exp.EQ, exp.NEQ):
        if (isinstance(cmp.this, exp.Null) or isinstance(cmp.expression, exp.Null)) and _in_condition(cmp):
            yield "null-comparison", cmp, cmp.sql(dialect=dialect)


def _leftmost(node: exp.Expr) -> exp.Expr:
    while isinstance(node, (exp.Add, exp.DPipe, exp.Concat, exp.Paren)):
        node = node.this if not isinstance(node, exp.Concat) else (node.expressions or [node])[0]
        if isinstance(node, exp.Concat) and not node.expressions:
            break
    return node


def leading_wildcard_like(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for like in tree.find_all(exp.Like, exp.ILike):
        pattern = _leftmost(like.expression)
        if isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this[:1] in ("%", "_"):
            yield "leading-wildcard-like", like, like.sql(dialect=dialect)


def nolock_hint(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for hint in tree.find_all(exp.WithTableHint):
        names = {e.name.upper() for e in hint.expressions}
        bad = names & {"NOLOCK", "READUNCOMMITTED"}
        if bad:
            table = hint.parent
            yield "nolock-hint", hint, f"{table.sql(dialect=dialect) if table else ''}".strip() or ", ".join(bad)


def deprecated_type(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for dtype in tree.find_all(exp.DataType):
        if dtype.this in (exp.DataType.Type.TEXT, exp.DataType.Type.IMAGE):
            parent = dtype.parent
            yield "deprecated-type", dtype, (parent.sql(dialect=dialect) if parent else dtype.sql(dialect=dialect))


def order_by_ordinal(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for ordered in tree.find_all(exp.Ordered):
        if isinstance(ordered.this, exp.Literal) and not ordered.this.is_string \
                and isinstance(ordered.parent, exp.Order) and not isinstance(ordered.parent.parent, exp.Window):
            yield "order-by-ordinal", ordered, f"ORDER BY {ordered.this.sql(dialect=dialect)}"


def _function_on_column(side: exp.Expr) -> bool:
    if not isinstance(side, exp.Func) or isinstance(side, _SARGABLE_FUNCS):
        return False
    if isinstance(side, exp.Convert) and isinstance(side.this, exp.DataType) \
            and side.this.this == exp.DataType.Type.DATE:
        return False
    return any(c.find_ancestor(exp.Subquery, exp.Select) in (None, side.find_ancestor(exp.Subquery, exp.Select))
               and not isinstance(c.this, exp.Star) for c in side.find_all(exp.Column))


def non_sargable_predicate(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for cmp in tree.find_all(*_COMPARISONS):
        owner = cmp.find_ancestor(exp.Where, exp.Join, exp.Select, exp.Having, exp.If, exp.Update, exp.Delete)
        if not isinstance(owner, (exp.Where, exp.Join)):
            continue
        on = owner.args.get("on") if isinstance(owner, exp.Join) else None
        if isinstance(owner, exp.Join) and not (on is cmp or cmp.find_ancestor(exp.Join) is owner and _under(cmp, on)):
            continue
        if any(side is not None and _function_on_column(side) for side in (cmp.this, cmp.args.get("expression"))):
            yield "non-sargable-predicate", cmp, cmp.sql(dialect=dialect)


def _under(node: exp.Expr, root: exp.Expr | None) -> bool:
    current: exp.Expr | None = node
    while current is not None:
        if current is root:
            return True
        current = current.parent
    return False


def _qualifiers(node: exp.Expr) -> set[str]:
    return {c.table.lower() for c in node.find_all(exp.Column) if c.table}


def cartesian_join(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        from_ = select.args.get("from_") or select.args.get("from")
        if not joins or from_ is None:
            continue
        where = select.args.get("where")
        columns = list(where.find_all(exp.Column)) if where is not None else []
        if columns and any(not c.table for c in columns):
            continue  # unqualified columns: cannot tell which table they relate, stay silent
        for join in joins:
            if join.args.get("on") is not None or join.args.get("using") or join.args.get("kind") \
                    or join.args.get("side") or not isinstance(join.this, (exp.Table, exp.Subquery)):
                continue
            name = (join.this.alias_or_name or "").lower()
            related = False
            if where is not None:
                for cmp in where.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In):
                    quals = _qualifiers(cmp)
                    if name in quals and len(quals) >= 2:
                        related = True
                        break
            if not related:
                yield "cartesian-join", join, f"FROM ..., {join.this.sql(dialect=dialect)}"


def not_in_subquery(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for node in tree.find_all(exp.Not):
        inner = node.this
        if isinstance(inner, exp.In) and inner.args.get("query") is not None:
            query = inner.args["query"]
            select = query.this if isinstance(query, exp.Subquery) else query
            where = select.args.get("where") if isinstance(select, exp.Select) else None
            if where is not None and any(isinstance(n.expression, exp.Null)
                                         and (n.args.get("negate") or isinstance(n.parent, exp.Not))
                                         for n in where.find_all(exp.Is)):
                continue  # the subquery already excludes NULLs
            yield "not-in-subquery", node, node.sql(dialect=dialect)[:120]


def _permanent_table(table: exp.Expr | None) -> bool:
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        return False  # table variables (@t) and expressions
    return not table.this.args.get("temporary") and not table.name.startswith("#")


def _without_where(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for stmt in tree.find_all(exp.Delete, exp.Update):
        if stmt.args.get("where") is not None or stmt.args.get("from_") is not None or \
                stmt.args.get("from") is not None or stmt.args.get("using") not in (None, False):
            continue
        target = stmt.this
        if isinstance(stmt, exp.Delete) and (stmt.args.get("tables") or (isinstance(target, exp.Table)
                                                                          and target.args.get("joins"))):
            continue  # DELETE t FROM t JOIN ... is restricted by its join
        if not _permanent_table(target):
            continue
        rule = "delete-without-where" if isinstance(stmt, exp.Delete) else "update-without-where"
        yield rule, stmt, stmt.sql(dialect=dialect)[:120]


def set_rowcount(tree: exp.Expr, dialect: str) -> Iterator[Hit]:
    for item in tree.find_all(exp.SetItem):
        eq = item.this
        if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column) and eq.this.name.upper() == "ROWCOUNT":
            value = eq.expression
            if not (isinstance(value, exp.Literal) and value.this == "0"):
                yield "set-rowcount", item, f"SET ROWCOUNT {value.sql(dialect=dialect)}"


DETECTORS: dict[str, Detector] = {
    "select-star": select_star,
    "null-comparison": null_comparison,
    "leading-wildcard-like": leading_wildcard_like,
    "nolock-hint": nolock_hint,
    "deprecated-type": deprecated_type,
    "order-by-ordinal": order_by_ordinal,
    "non-sargable-predicate": non_sargable_predicate,
    "cartesian-join": cartesian_join,
    "not-in-subquery": not_in_subquery,
    "delete-without-where": _without_where,
    "update-without-where": _without_where,
    "set-rowcount": set_rowcount,
}

# The node types each detector starts from (its `find_all`): a statement holding none of them cannot trigger it,
# so the engine skips that detector after one walk of the tree instead of one walk per detector.
TRIGGERS: dict[Detector, tuple[type[exp.Expr], ...]] = {
    select_star: (exp.Select,),
    null_comparison: (exp.EQ, exp.NEQ),
    leading_wildcard_like: (exp.Like, exp.ILike),
    nolock_hint: (exp.WithTableHint,),
    deprecated_type: (exp.DataType,),
    order_by_ordinal: (exp.Ordered,),
    non_sargable_predicate: _COMPARISONS,
    cartesian_join: (exp.Select,),
    not_in_subquery: (exp.Not,),
    _without_where: (exp.Delete, exp.Update),
    set_rowcount: (exp.SetItem,),
}
