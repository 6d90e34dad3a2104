"""Cuts a stored-code body (view, procedure, function, trigger) into statements sqlglot can parse one by one.

Procedural bodies (T-SQL procedures, PL/pgSQL, MySQL routines) are not SQL statements sqlglot can parse whole, and
T-SQL does not even need semicolons. So the body is tokenized with the dialect's own tokenizer (strings and comments
stay intact), the `CREATE ... AS` header is cut off, and the rest is split at semicolons, control-flow keywords
(BEGIN, END, IF, ELSE, WHILE, ...) and keywords that start a statement (SELECT, INSERT, ...) at parenthesis depth 0.
Each piece keeps its offset so issues point at the right line of the original definition.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

# Keywords that only steer control flow: they end the previous statement and are never parsed themselves.
_CONTROL = {"BEGIN", "END", "ELSE", "ELSIF", "ELSEIF", "LOOP", "DO", "REPEAT", "EXCEPTION", "GO", "TRY", "CATCH",
            "GOTO", "BREAK", "CONTINUE", "LEAVE", "ITERATE", "OPEN", "CLOSE", "DEALLOCATE", "FETCH", "PRINT",
            "RAISE", "WAITFOR", "EXEC", "EXECUTE", "CALL", "PERFORM", "RETURN", "IF", "WHILE", "UNTIL",
            "DECLARE", "RAISERROR", "THROW", "COMMIT", "ROLLBACK", "SAVE", "TRUNCATE", "THEN"}
# Control keywords that form a segment on their own (BEGIN TRY / END IF keep their second word).
_BARE = {"BEGIN", "END", "ELSE", "LOOP", "DO", "REPEAT", "GO", "TRY", "CATCH", "BREAK", "CONTINUE", "EXCEPTION",
         "THEN"}
_BLOCK_SUFFIX = {"TRY", "CATCH", "TRAN", "TRANSACTION", "DISTRIBUTED", "IF", "LOOP", "WHILE", "REPEAT", "CASE"}
# Statements whose condition / expression follows the keyword: linted as `SELECT 1 WHERE <condition>`.
CONDITION_HEADS = {"IF", "WHILE", "ELSIF", "ELSEIF", "UNTIL"}
# Keywords that may start a statement sqlglot can parse.
_STATEMENT = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "SET", "WITH", "REPLACE", "VALUES"}
# A DML keyword after one of these belongs to the current statement (MERGE ... THEN UPDATE, ON DELETE CASCADE, ...).
_DML_GLUE = {"THEN", "ON", "FOR", "OF", "KEY", "BEFORE", "AFTER", "INSTEAD", ",", "OR", "TRIGGER"}
_SET_OPS = {"UNION", "ALL", "EXCEPT", "INTERSECT", "MINUS", "DISTINCT"}


@dataclass
class Segment:
    """One statement candidate: its text, where it starts in the original body, and its tokens."""

    text: str
    offset: int
    tokens: list[Token] = field(default_factory=list)

    @property
    def head(self) -> str:
        return _word(self.tokens[0]) if self.tokens else ""


def _word(token: Token) -> str:
    if token.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.IDENTIFIER,
                            TokenType.HEREDOC_STRING):
        return ""
    return token.text.upper()


def tokenize(sql: str, dialect: str) -> list[Token]:
    """The dialect's tokens; a command keyword's swallowed remainder (PostgreSQL's tokenizer keeps
    `DECLARE c CURSOR FOR ...` as one string) is tokenized again so rules can see inside it."""
    tokens = list(Dialect.get_or_raise(dialect).tokenize(sql))
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        at = sql.find(tok.text, tokens[i - 1].end + 1) if i else -1
        if tok.token_type == TokenType.STRING and i and tokens[i - 1].token_type == TokenType.COMMAND \
                and at >= 0 and not sql[tokens[i - 1].end + 1:at].strip():
            # the remainder's own offsets are unreliable; it starts right after the command keyword
            for sub in Dialect.get_or_raise(dialect).tokenize(tok.text):
                out.append(Token(sub.token_type, sub.text, line=tok.line, col=sub.col,
                                 start=sub.start + at, end=sub.end + at, comments=sub.comments))
            continue
        out.append(tok)
    return out


def line_of(sql: str, offset: int) -> int:
    return sql.count("\n", 0, max(0, offset)) + 1


def strip_header(tokens: list[Token], dialect: str) -> tuple[list[Token], Token | None]:
    """Drops `CREATE [OR ALTER|REPLACE] PROCEDURE|FUNCTION|TRIGGER|VIEW ... AS` (or up to BEGIN), so parameter
    defaults such as `@p int = NULL` are not linted as comparisons. Returns the body tokens and, for PostgreSQL
    functions whose body is a quoted string, that string token (the caller lints its content separately)."""
    words = [_word(t) for t in tokens[:6]]
    if not words or words[0] not in ("CREATE", "ALTER"):
        return tokens, None
    kind = next((w for w in words[1:] if w in ("PROCEDURE", "PROC", "FUNCTION", "TRIGGER", "VIEW",
                                                 "MATERIALIZED")), None)
    if kind is None:
        return tokens, None
    if dialect == "postgres":
        for i, tok in enumerate(tokens[1:], 1):
            if tok.token_type in (TokenType.HEREDOC_STRING, TokenType.STRING) and _word(tokens[i - 1]) == "AS":
                return [], tok
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        if depth:
            continue
        word = _word(tok)
        if dialect == "tsql" or kind in ("VIEW", "MATERIALIZED"):
            if word == "AS" and (kind != "VIEW" or i + 1 < len(tokens)):
                return tokens[i + 1:], None
        elif word == "BEGIN" or (kind in ("PROCEDURE", "FUNCTION") and i > 2 and word in _STATEMENT
                                 and _word(tokens[i - 1]) not in _DML_GLUE):
            return tokens[i:], None
        elif kind == "TRIGGER" and word == "ROW" and _word(tokens[i - 1]) == "EACH":
            rest = tokens[i + 1:]
            if not any(_word(t) == "BEGIN" for t in rest):
                return rest, None
    return tokens, None


def split(sql: str, tokens: list[Token]) -> list[Segment]:
    """Splits body tokens into statements at depth-0 boundaries (see the module docstring)."""
    segments: list[Segment] = []
    current: list[Token] = []
    depth = case_depth = 0
    seen_select = seen_set = False

    def flush() -> None:
        nonlocal current, seen_select, seen_set
        if current:
            start, end = current[0].start, current[-1].end + 1
            segments.append(Segment(sql[start:end], start, current))
        current = []
        seen_select = seen_set = False

    for i, tok in enumerate(tokens):
        ttype = tok.token_type
        word = _word(tok)
        prev = _word(tokens[i - 1]) if i else ""
        nxt = _word(tokens[i + 1]) if i + 1 < len(tokens) else ""
        head = _word(current[0]) if current else ""
        if ttype in (TokenType.L_PAREN, TokenType.R_PAREN) or depth > 0:
            depth = depth + 1 if ttype == TokenType.L_PAREN else depth - 1 if ttype == TokenType.R_PAREN else depth
            depth = max(depth, 0)
            current.append(tok)
            continue
        if ttype == TokenType.SEMICOLON:
            flush()
            continue
        if head == "MERGE":  # MERGE must end with a semicolon; its WHEN/THEN/UPDATE/INSERT are its own
            current.append(tok)
            continue
        if word == "CASE" and prev != "END":
            case_depth += 1
            current.append(tok)
            continue
        if case_depth and word in ("WHEN", "THEN", "ELSE", "END"):
            case_depth -= word == "END"
            current.append(tok)
            continue
        boundary = False
        if word in _CONTROL:
            boundary = not (word in ("TRY", "CATCH") and prev in ("BEGIN", "END")) \
                and not (word in ("IF", "LOOP", "WHILE", "REPEAT") and prev == "END") \
                and not (word in ("EXECUTE", "EXEC") and prev in ("WITH", "GRANT", "DENY", "REVOKE")) \
                and not (word == "CONTINUE" and head == "DECLARE")
        elif word == "SELECT":
            boundary = prev not in _SET_OPS | {"FOR", "INTO"} \
                and not (head in ("INSERT", "REPLACE", "WITH") and not seen_select)
            seen_select = True
        elif word == "VALUES":
            seen_select = True
        elif word in ("INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE"):
            boundary = prev not in _DML_GLUE and not (head == "WITH" and not seen_select) \
                and not (word == "REPLACE" and prev in ("OR", "CREATE"))
            seen_select = seen_select or head == "WITH"
        elif word == "SET":
            boundary = prev not in ("UPDATE", "DELETE", "CHARACTER", "CHAR", "ON") \
                and not (head in ("UPDATE", "INSERT") and not seen_set)
            seen_set = True
        elif word == "WITH" and nxt:
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            boundary = tokens[i + 1].token_type != TokenType.L_PAREN and after is not None \
                and (_word(after) == "AS" or after.token_type == TokenType.L_PAREN)
        if boundary:
            flush()
        current.append(tok)
        if word in _BARE and not (word in ("BEGIN", "END") and nxt in _BLOCK_SUFFIX):
            flush()
    flush()
    return segments
