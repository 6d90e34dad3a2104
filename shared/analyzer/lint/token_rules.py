"""Lint rules for syntax sqlglot's parser cannot represent: it falls back to an opaque command (DECLARE CURSOR),
or rejects the statement outright (`*=` joins, `RAISERROR 50001 'text'`). These read the dialect's token stream,
so strings and comments never trigger them (unlike a regular expression over the text)."""
from __future__ import annotations

from collections.abc import Iterator

from sqlglot.tokens import Token, TokenType

from shared.analyzer.lint.splitter import Segment

_NAME_PARTS = (TokenType.VAR, TokenType.DOT, TokenType.IDENTIFIER)
# (rule id, offset in the body, snippet)
TokenHit = tuple[str, int, str]


def _upper(token: Token) -> str:
    return token.text.upper() if token.token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING,
                                                          TokenType.IDENTIFIER) else ""


def cursor(segment: Segment, dialect: str) -> Iterator[TokenHit]:
    """`DECLARE c CURSOR FOR ...` (T-SQL, MySQL) and PL/pgSQL's `c CURSOR FOR ...` / `c NO SCROLL CURSOR FOR`."""
    words = [_upper(t) for t in segment.tokens]
    for i, word in enumerate(words):
        if word == "CURSOR" and "FOR" in words[i + 1:]:
            if dialect == "postgres" or "DECLARE" in words[:i]:
                yield "cursor", segment.tokens[i].start, " ".join(t.text for t in segment.tokens[:i + 2])
                return
        if word == "CURSOR" and i + 1 < len(words) and words[i + 1] in ("LOCAL", "GLOBAL", "FORWARD_ONLY",
                                                                        "SCROLL", "STATIC", "KEYSET", "DYNAMIC",
                                                                        "FAST_FORWARD", "READ_ONLY"):
            yield "cursor", segment.tokens[i].start, " ".join(t.text for t in segment.tokens[:i + 2])
            return


def old_outer_join(segment: Segment, dialect: str) -> Iterator[TokenHit]:
    """`a *= b` / `a =* b` inside a WHERE clause (outside WHERE, `*=` is T-SQL's compound multiply-assign)."""
    tokens = segment.tokens
    in_where = False
    for i, tok in enumerate(tokens[:-1]):
        word = _upper(tok)
        if word == "WHERE":
            in_where = True
        elif word in ("GROUP", "ORDER", "HAVING", "UNION"):
            in_where = False
        nxt = tokens[i + 1]
        adjacent = tok.end + 1 == nxt.start
        if in_where and adjacent and ((tok.token_type == TokenType.STAR and nxt.token_type == TokenType.EQ)
                                      or (tok.token_type == TokenType.EQ and nxt.token_type == TokenType.STAR)):
            first, last = i, i + 1
            while first > 0 and tokens[first - 1].token_type in _NAME_PARTS:
                first -= 1
            while last + 1 < len(tokens) and tokens[last + 1].token_type in _NAME_PARTS:
                last += 1
            text = segment.text[tokens[first].start - segment.offset:tokens[last].end + 1 - segment.offset]
            yield "old-outer-join", tok.start, text


def raiserror_old_style(segment: Segment, dialect: str) -> Iterator[TokenHit]:
    tokens = segment.tokens
    if len(tokens) >= 2 and _upper(tokens[0]) == "RAISERROR" and tokens[1].token_type != TokenType.L_PAREN:
        yield "raiserror-old-style", tokens[0].start, segment.text[:120]


TOKEN_DETECTORS = {
    "cursor": cursor,
    "old-outer-join": old_outer_join,
    "raiserror-old-style": raiserror_old_style,
}
